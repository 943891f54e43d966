import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { RouteAccess } from './route-access.js';
import { problemSchema } from './schemas/common.js';

type Def = Record<string, unknown> & { type?: string };
const defOf = (schema: unknown): Def | undefined => (schema as { _zod?: { def?: Def } })?._zod?.def;

/**
 * Registration check: every object a request body or query may hold refuses
 * unknown fields (z.strictObject, or .strict()), unless it says on purpose
 * that it takes any (.loose(), a catchall). A typo such as `allow_partial`
 * is then a 400 naming the field, never silently dropped.
 */
export function assertStrict(id: string, where: string, schema: unknown, seen = new Set<unknown>()): void {
  const def = defOf(schema);
  if (!def || seen.has(schema)) return;
  seen.add(schema);
  const visit = (inner: unknown) => assertStrict(id, where, inner, seen);
  switch (def.type) {
    case 'object':
      if (def.catchall === undefined) {
        const keys = Object.keys(def.shape as object).join(', ');
        throw new Error(`${id}: the ${where} object {${keys}} drops unknown fields; use z.strictObject (or .strict())`);
      }
      for (const value of Object.values(def.shape as object)) visit(value);
      return;
    case 'array':
      return visit(def.element);
    case 'record':
      return visit(def.valueType);
    case 'union':
      return (def.options as unknown[]).forEach(visit);
    case 'intersection':
      visit(def.left);
      return visit(def.right);
    case 'pipe':
      visit(def.in);
      return visit(def.out);
    default:
      if (def.innerType) visit(def.innerType);
  }
}

/** A request body's example must be a valid request: it is shown in the reference and used by tests. */
export function assertExample(id: string, body: z.ZodType | undefined, example: unknown): void {
  if (!body) return;
  if (example === undefined) throw new Error(`${id}: a route with a body needs an example`);
  const parsed = body.safeParse(example);
  if (!parsed.success) throw new Error(`${id}: its example is not a valid body: ${parsed.error.message}`);
}

/**
 * A success schema as an idempotent replay answers it: the fields shown only
 * once are null there (defineRoute stores them redacted), so the document says
 * they may be null, generated from the same `shownOnce` list.
 */
function withShownOnce(schema: z.ZodType | undefined, shownOnce: readonly string[] | undefined): z.ZodType | undefined {
  if (!shownOnce?.length || !(schema instanceof z.ZodObject)) return schema;
  const shape = schema.shape as Record<string, z.ZodType>;
  const missing = shownOnce.filter((field) => !shape[field]);
  if (missing.length) throw new Error(`shownOnce names fields the response does not have: ${missing.join(', ')}`);
  return schema.extend(Object.fromEntries(shownOnce.map((field) => [field, shape[field]!.nullable()])));
}

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: problemSchema } } });

/**
 * Every status the route can answer, generated from the same spec that
 * drives the route: its own, then what defineRoute and the app add.
 */
const otherMedia = (type: string) =>
  type === 'application/pdf' ? { type: 'string' as const, format: 'binary' } : { type: 'string' as const };

export function documentedResponses(spec: {
  method: string;
  path: string;
  body?: unknown;
  idempotent?: boolean | 'ledger';
  access: RouteAccess;
  shownOnce?: readonly string[];
  responses: Record<number, { description: string; schema?: z.ZodType; contentTypes?: string[] }>;
}): RouteConfig['responses'] {
  const responses: RouteConfig['responses'] = {};
  for (const [status, r] of Object.entries(spec.responses)) {
    const success = Number(status) < 300;
    const types = r.contentTypes ?? [Number(status) >= 400 ? 'application/problem+json' : 'application/json'];
    const schema = success ? withShownOnce(r.schema, spec.shownOnce) : r.schema;
    responses[Number(status)] = {
      description: r.description,
      ...((schema || r.contentTypes) && {
        // A schema describes the JSON; other media types (CSV, PDF) are documents of their own.
        content: Object.fromEntries(types.map((t) => [t, { schema: (t.includes('json') ? schema : otherMedia(t)) ?? {} }])),
      }),
    };
  }
  const mutation = spec.method !== 'get';
  const names = /\{\w+\}/.test(spec.path) || !('global' in spec.access || 'anyKey' in spec.access);
  const added: [number, string, boolean][] = [
    [400, 'Invalid input: `errors` names each field, unknown fields included', true],
    [401, 'Missing, unknown, revoked or expired API key', true],
    [403, 'The key lacks the scope, is bound to one account, or the action needs more rights', true],
    [404, 'Not found, or not visible to this key (the problem names the requested id)', names],
    [409, 'A request with this Idempotency-Key is still in flight (Retry-After)', Boolean(spec.idempotent)],
    [413, 'The request body is larger than the limit', mutation],
    [415, 'The request body is not Content-Type: application/json', mutation],
    [422, 'This Idempotency-Key was first used for a different request', Boolean(spec.idempotent)],
    [429, 'Rate limited, or too many failed authentications from this address (Retry-After)', true],
    [503, 'A dependency (PostgreSQL, Temporal, Stripe) is unavailable; retry later (Retry-After)', true],
  ];
  for (const [status, description, applies] of added) if (applies) responses[status] ??= problem(description);
  return responses;
}

/** The request body of a route that takes a file (rawBody): a string under each content type it takes. */
export function rawBodyDocument(raw: { contentTypes: readonly string[]; description: string; example: string }) {
  const schema = z.string().meta({ description: raw.description });
  return { content: Object.fromEntries(raw.contentTypes.map((type) => [type, { schema, example: raw.example }])), required: true };
}
