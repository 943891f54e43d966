import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { Mode, Principal, Scope } from '../auth/api-keys.js';
import type { HttpIdempotencyRecord } from '../ledger/index.js';
import { ForbiddenError, ValidationError } from '../errors.js';
import type { ApiDeps } from './deps.js';
import { runIdempotent } from './idempotency.js';
import { runIdempotentInLedger } from './idempotency-ledger.js';
import { chargeAccount, chargeKey } from './rate-limit.js';
import { authenticate, readRawBody } from './request-guards.js';
import { serializeBody, type RouteResult } from './response.js';
import { authorize, checkAccessDeclaration, type RouteAccess } from './route-access.js';
import { auditRoute, type RouteAudit } from './route-audit.js';
import { assertExample, assertStrict, documentedResponses, rawBodyDocument } from './route-document.js';

export type { RouteAccess } from './route-access.js';

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal;
  deps: ApiDeps;
  req: Request;
  requestId: string;
  /** Ledger-level idempotency key derived from the caller's Idempotency-Key (mutations only). */
  idempotencyKey: string | undefined;
  /** With `idempotent: 'ledger'`: the Idempotency-Key record, for the route's one ledger operation to claim and complete. */
  httpIdempotency: HttpIdempotencyRecord | undefined;
  /** The actor recorded on ledger entries. */
  actor: string;
  /**
   * The account the request acts on, authorized by defineRoute from the
   * spec's `access` (an account-bound key's own when the route's optional
   * account field was absent); null when it names none (or all, for an unbound key).
   */
  account: string | null;
  /** For batches: whether this key may act on an item's account. */
  mayUse: (accountId: string) => boolean;
  /** The key's mode: what a global route lists or makes is of this mode only (docs/TEST-MODE.md). */
  mode: Mode;
  /** With `rawBody`: the request's body as text (a file); '' when none was sent. */
  rawBody: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any shape of object schema
type AnyObject = z.ZodObject<any>;

export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI style: /v1/accounts/{id} */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  scopes: readonly Scope[];
  /** Which account the request acts on; enforced here for every account-bound key (see RouteAccess). */
  access: RouteAccess;
  params?: P;
  query?: Q;
  body?: B;
  /** A realistic, valid request body: shown in the reference, checked against `body` at registration. */
  example?: z.input<B>;
  /**
   * The body is a file, not JSON (a bulk import): sent with one of these
   * content types (else 415), read as text by app.ts's parser for the path,
   * handed to the handler as ctx.rawBody. The handler validates it.
   */
  rawBody?: { contentTypes: readonly string[]; description: string; example: string };
  /** The body as documented, when the route validates items one by one (a batch): each item's schema. */
  documentedBody?: z.ZodType;
  responses: Record<number, { description: string; schema?: z.ZodType; contentTypes?: string[] }>;
  /**
   * Mutations require an Idempotency-Key header and replay the first response.
   * Every mutation says so; false only where a replay cannot be (it would keep a secret in clear).
   * 'ledger': the route's success is the result of one ledger operation, sent
   * as is with the one 2xx status of `responses`; that operation keeps the
   * key's record in its own transaction (one commit per request), the handler
   * passing it `httpIdempotency`.
   */
  idempotent?: boolean | 'ledger';
  /** The audit record of this change, when its service writes none (see RouteAudit). */
  audit?: RouteAudit;
  /** Top-level response fields shown only once (secrets, tokens): a replay answers null for them. */
  shownOnce?: readonly string[];
  /** Also charge the account's bucket (RATE_LIMIT_PER_ACCOUNT_PER_SECOND): consumption and usage events. */
  accountRateLimit?: boolean;
  /** A read that costs like this many mutations (exports): charged to the key's bucket. */
  keyRateCost?: number;
  handler: (ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>) => Promise<RouteResult>;
}

type EmptyObject = z.ZodObject<Record<string, never>>;

function fieldErrors(error: z.ZodError, prefix: string) {
  return error.issues.flatMap((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: [...path, key].join('.'),
        message: `unknown field "${key}"`,
        code: 'unknown_field',
      }));
    }
    return [{ path: path.join('.'), message: issue.message, code: issue.code }];
  });
}

function parsePart<S extends z.ZodType>(schema: S | undefined, value: unknown, where: string): z.output<S> {
  if (!schema) {
    // Nothing is expected here, so anything sent is an unknown field (Stripe's rule).
    const given = value && typeof value === 'object' ? Object.keys(value) : [];
    if (given.length > 0) {
      throw new ValidationError(
        `The request ${where} has unknown fields`,
        given.map((key) => ({
          path: where === 'body' ? key : `${where}.${key}`,
          message: `unknown field "${key}"`,
          code: 'unknown_field',
        })),
      );
    }
    return {} as z.output<S>;
  }
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    throw new ValidationError(`The request ${where} is invalid`, fieldErrors(result.error, where === 'body' ? '' : where));
  }
  return result.data;
}

export type DefineRoute = <P extends AnyObject = EmptyObject, Q extends AnyObject = EmptyObject, B extends z.ZodType = z.ZodUndefined>(
  spec: RouteSpec<P, Q, B>,
) => void;

/** Binds defineRoute to one router, registry and set of dependencies. */
export function createRouteRegistrar(router: Router, registry: OpenAPIRegistry, deps: ApiDeps): DefineRoute {
  return (spec) => defineRoute(router, registry, deps, spec);
}

const shownOnceRedacted = (body: unknown, fields: readonly string[]) =>
  body && typeof body === 'object' ? { ...body, ...Object.fromEntries(fields.map((f) => [f, null])) } : body;

/**
 * Registers one route on both the Express router and the OpenAPI registry,
 * from one spec, and checks the spec first: account access declared, inputs
 * strict, a valid example for a body, every mutation idempotent. At request
 * time, in this order: scope, input validation, account authorization, rate
 * limits, idempotency, handler.
 */
function defineRoute<P extends AnyObject, Q extends AnyObject, B extends z.ZodType>(
  router: Router,
  registry: OpenAPIRegistry,
  deps: ApiDeps,
  spec: RouteSpec<P, Q, B>,
): void {
  const id = `${spec.method.toUpperCase()} ${spec.path}`;
  checkAccessDeclaration(id, spec.path, spec.access, spec);
  if (spec.query) assertStrict(id, 'query', spec.query);
  if (spec.body) assertStrict(id, 'body', spec.body);
  assertExample(id, spec.body, spec.example);
  if (spec.method !== 'get' && spec.idempotent === undefined) {
    throw new Error(`${id}: every mutation takes an Idempotency-Key (idempotent: true), or says why not (idempotent: false)`);
  }

  const documentedBody = spec.documentedBody ?? spec.body;
  registry.registerPath({
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    ...(spec.description && { description: spec.description }),
    tags: spec.tags,
    security: [{ bearerAuth: [] }],
    'x-burndown-access': accessKind(spec.access),
    'x-burndown-scopes': [...spec.scopes],
    ...(spec.method !== 'get' && { 'x-burndown-idempotent': Boolean(spec.idempotent) }),
    request: {
      ...(spec.params && { params: spec.params }),
      ...(spec.query && { query: spec.query }),
      ...(documentedBody && {
        body: { content: { 'application/json': { schema: documentedBody, example: spec.example } }, required: true },
      }),
      ...(spec.rawBody && { body: rawBodyDocument(spec.rawBody) }),
      ...(spec.idempotent && {
        headers: z.strictObject({
          'idempotency-key': z
            .string()
            .min(1)
            .max(255)
            .meta({ description: 'Unique per request; a retry with the same key and body replays the first response.' }),
        }),
      }),
    },
    responses: documentedResponses(spec),
  });

  const successStatus = spec.idempotent === 'ledger' ? ledgerSuccessStatus(id, spec) : 0;
  const expressPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
  router[spec.method](expressPath, async (req: Request, res: Response) => {
    const principal = await authenticate(deps, req);
    const requestId = res.locals.requestId as string;
    if (!spec.scopes.some((s) => principal.scopes.has(s))) {
      throw new ForbiddenError(`This endpoint needs one of the scopes: ${spec.scopes.join(', ')}`);
    }
    if (spec.method !== 'get' || spec.keyRateCost) chargeKey(deps, principal.keyId, spec.keyRateCost ?? 1);
    const params = parsePart(spec.params, req.params, 'path');
    const query = parsePart(spec.query, req.query, 'query');
    const body = parsePart(spec.body, spec.rawBody ? undefined : req.body, 'body');
    const { account, mayUse } = await authorize(deps, principal, spec.access, { params, query, body });
    const rawBody = spec.rawBody ? readRawBody(req, spec.rawBody.contentTypes) : '';
    const ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>> = {
      params,
      query,
      body: (spec.body ? body : undefined) as z.output<B>,
      principal,
      deps,
      req,
      requestId,
      idempotencyKey: undefined,
      httpIdempotency: undefined,
      actor: principal.subject,
      account,
      mayUse,
      mode: principal.mode,
      rawBody,
    };
    const run = async (key?: string, httpIdempotency?: HttpIdempotencyRecord) => {
      // Charged when the request runs, not when it is replayed from its Idempotency-Key; a 429 frees the key.
      if (spec.accountRateLimit) for (const acted of accountsActedOn(spec.access, account, body, mayUse)) chargeAccount(deps, acted);
      const result = await spec.handler({ ...ctx, idempotencyKey: key, httpIdempotency });
      const stored = spec.shownOnce ? shownOnceRedacted(result.body, spec.shownOnce) : result.body;
      if (spec.audit && result.status < 300) await auditRoute(deps, spec.audit, ctx, stored);
      return spec.shownOnce ? { ...result, stored } : result;
    };
    const result =
      spec.idempotent === 'ledger'
        ? await runIdempotentInLedger(deps, req, principal, successStatus, (keys) => run(keys.ledgerKey, keys.httpIdempotency))
        : spec.idempotent
          ? await runIdempotent(deps, req, principal, (key) => run(key))
          : await run();
    res.status(result.status).set(result.headers ?? {});
    if (result.body === undefined) res.end();
    else
      res
        .type(result.status >= 400 ? 'application/problem+json' : 'application/json')
        .send(result.raw ? (result.body as string) : serializeBody(result.body));
  });
}

/**
 * The status a route keeping its Idempotency-Key in the ledger stores with the
 * operation's result: its one 2xx. Such a route writes nothing after the
 * ledger call (no declared audit record) and sends what is stored (nothing shown once).
 */
function ledgerSuccessStatus(id: string, spec: { responses: Record<number, unknown>; audit?: unknown; shownOnce?: unknown }): number {
  const success = Object.keys(spec.responses)
    .map(Number)
    .filter((status) => status >= 200 && status < 300);
  if (success.length !== 1) throw new Error(`${id}: idempotent: 'ledger' needs exactly one 2xx response, not ${success.length}`);
  if (spec.audit || spec.shownOnce) throw new Error(`${id}: idempotent: 'ledger' cannot declare audit or shownOnce`);
  return success[0]!;
}

function accessKind(access: RouteAccess): string {
  if ('global' in access) return 'global';
  if ('anyKey' in access) return 'any-key';
  if (access.items) return 'items';
  if (access.owner) return 'owner';
  if (access.path?.length) return 'account';
  return 'filter';
}

/** The accounts a request acts on, for their rate-limit buckets: one, or each authorized item's of a batch. */
function accountsActedOn(access: RouteAccess, account: string | null, body: unknown, mayUse: (a: string) => boolean): string[] {
  if (!('global' in access) && !('anyKey' in access) && access.items) {
    const items = (body as Record<string, unknown>)[access.items.array];
    const ids = Array.isArray(items) ? items.map((item) => (item as Record<string, unknown> | null)?.[access.items!.field]) : [];
    return [...new Set(ids.filter((a): a is string => typeof a === 'string' && mayUse(a)))];
  }
  return account === null ? [] : [account];
}
