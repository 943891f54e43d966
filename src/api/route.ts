import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { Principal, Scope } from '../auth/api-keys.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import type { ApiDeps } from './deps.js';
import { runIdempotent } from './idempotency.js';
import { unauthorized } from './problem.js';
import { serializeBody, type RouteResult } from './response.js';
import { problemSchema } from './schemas/common.js';

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal;
  deps: ApiDeps;
  req: Request;
  requestId: string;
  /** Ledger-level idempotency key derived from the caller's Idempotency-Key (POST only). */
  idempotencyKey: string | undefined;
  /** The actor recorded on ledger entries. */
  actor: string;
  /** Throws 404 unless the caller's key may see this account (no BOLA). */
  authorizeAccount: (accountId: string) => void;
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
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  /** Mutations require an Idempotency-Key header and replay the first response. */
  idempotent?: boolean;
  handler: (ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>) => Promise<RouteResult>;
}

type EmptyObject = z.ZodObject<Record<string, never>>;

function fieldErrors(error: z.ZodError, prefix: string) {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
    message: issue.message,
    code: issue.code,
  }));
}

function parsePart<S extends z.ZodType>(schema: S | undefined, value: unknown, where: string): z.output<S> {
  if (!schema) return {} as z.output<S>;
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

/** Registers one route on both the Express router and the OpenAPI registry, from one spec. */
function defineRoute<P extends AnyObject, Q extends AnyObject, B extends z.ZodType>(
  router: Router,
  registry: OpenAPIRegistry,
  deps: ApiDeps,
  spec: RouteSpec<P, Q, B>,
): void {
  const responses: RouteConfig['responses'] = {};
  for (const [status, r] of Object.entries(spec.responses)) {
    responses[Number(status)] = {
      description: r.description,
      ...(r.schema && {
        content: { [Number(status) >= 400 ? 'application/problem+json' : 'application/json']: { schema: r.schema } },
      }),
    };
  }
  for (const [status, description] of [
    [400, 'Invalid input; `errors` lists each field'],
    [401, 'Missing or invalid API key'],
  ] as const) {
    responses[status] ??= { description, content: { 'application/problem+json': { schema: problemSchema } } };
  }
  registry.registerPath({
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    ...(spec.description && { description: spec.description }),
    tags: spec.tags,
    security: [{ bearerAuth: [] }],
    request: {
      ...(spec.params && { params: spec.params }),
      ...(spec.query && { query: spec.query }),
      ...(spec.body && { body: { content: { 'application/json': { schema: spec.body } }, required: true } }),
      ...(spec.idempotent && {
        headers: z.object({
          'idempotency-key': z
            .string()
            .min(1)
            .max(255)
            .meta({ description: 'Unique per request; a retry with the same key and body replays the first response.' }),
        }),
      }),
    },
    responses,
  });

  const expressPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
  router[spec.method](expressPath, async (req: Request, res: Response) => {
    const principal = await authenticate(deps, req);
    const requestId = res.locals.requestId as string;
    if (!spec.scopes.some((s) => principal.scopes.has(s))) {
      throw new ForbiddenError(`This endpoint needs one of the scopes: ${spec.scopes.join(', ')}`);
    }
    const params = parsePart(spec.params, req.params, 'path');
    const query = parsePart(spec.query, req.query, 'query');
    const body = spec.body ? parsePart(spec.body, req.body, 'body') : undefined;
    const ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>> = {
      params,
      query,
      body: body as z.output<B>,
      principal,
      deps,
      req,
      requestId,
      idempotencyKey: undefined,
      actor: principal.subject,
      authorizeAccount: (accountId: string) => {
        if (principal.accountId !== null && principal.accountId !== accountId) throw new NotFoundError('account', accountId);
      },
    };
    const result = spec.idempotent
      ? await runIdempotent(deps, req, principal, (key) => spec.handler({ ...ctx, idempotencyKey: key }))
      : await spec.handler(ctx);
    res.status(result.status).set(result.headers ?? {});
    if (result.body === undefined) res.end();
    else
      res
        .type(result.status >= 400 ? 'application/problem+json' : 'application/json')
        .send(result.raw ? (result.body as string) : serializeBody(result.body));
  });
}

/**
 * The caller of a route: a bearer API key or browser session token, verified,
 * or 401. Per route rather than in front of the router, so that a path no
 * route serves (a browser's /favicon.ico) is a 404 whoever asks.
 */
async function authenticate(deps: ApiDeps, req: Request): Promise<Principal> {
  const header = req.header('authorization');
  const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  if (!token) throw unauthorized('Send an API key as `Authorization: Bearer <key>`.');
  const principal = await deps.verifyApiKey(token);
  if (!principal) throw unauthorized('The API key is unknown, malformed or revoked.');
  req.log = req.log.child({ keyId: principal.keyId });
  return principal;
}
