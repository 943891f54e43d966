import type { Request } from 'express';
import { sql } from 'kysely';
import type { Principal } from '../auth/api-keys.js';
import { requestHash } from '../ledger/index.js';
import type { ApiDeps } from './deps.js';
import { HttpProblem, toProblem } from './problem.js';
import { serializeBody } from './response.js';
import type { RouteResult } from './response.js';

const IN_FLIGHT = 0;

/**
 * HTTP idempotency (R-L8), scoped per API key:
 * - same key, same method, path and body: the first response (status and body) is replayed;
 * - same key, different request: 422;
 * - same key while the first is still running: 409.
 *
 * The handler's ledger writes carry a ledger-level key derived from this one,
 * so if the process dies after the ledger commit but before the response is
 * stored, the retry re-runs the handler and gets the committed result back
 * instead of writing twice: nothing half-written, nothing lost.
 */
export async function runIdempotent(
  deps: ApiDeps,
  req: Request,
  principal: Principal,
  handler: (ledgerKey: string) => Promise<RouteResult>,
): Promise<RouteResult> {
  const request = idempotentRequest(req, principal);
  const { key } = request;
  const db = deps.ledger.db;
  const answer = await claimOrAnswer(deps, request, IN_FLIGHT, null);
  if (answer) return answer;

  let result: RouteResult;
  try {
    result = await handler(request.ledgerKey);
  } catch (error) {
    const { problem, headers } = toProblem(error, deps.problemContext);
    if (problem.status >= 500 || problem.status === 429) {
      // Not a decision, a failure (or a rate limit): free the key so the client's retry runs again.
      await db.deleteFrom('idempotency_keys').where('api_key_id', '=', principal.keyId).where('key', '=', key).execute();
      throw error;
    }
    result = { status: problem.status, body: problem, headers };
  }
  await db
    .updateTable('idempotency_keys')
    .set({ status_code: result.status, response_body: result.body === undefined ? null : serializeBody(result.stored ?? result.body) })
    .where('api_key_id', '=', principal.keyId)
    .where('key', '=', key)
    .execute();
  return result;
}

/** One request's Idempotency-Key, scoped to its API key, and the hash that tells a retry from a different request. */
export interface IdempotentRequest {
  apiKeyId: string;
  key: string;
  method: string;
  path: string;
  hash: string;
  /** The ledger-level key the handler's ledger writes carry. */
  ledgerKey: string;
}

/** The request's Idempotency-Key (400 without one) and its hash. */
export function idempotentRequest(req: Request, principal: Principal): IdempotentRequest {
  const key = req.header('idempotency-key');
  if (!key || key.length > 255) {
    throw new HttpProblem({
      title: 'Bad Request',
      status: 400,
      code: 'idempotency_key_required',
      detail: 'Mutating requests need an Idempotency-Key header (1 to 255 characters), e.g. a UUID generated per logical operation.',
      errors: [{ path: 'header.Idempotency-Key', message: 'required, 1 to 255 characters' }],
    });
  }
  return {
    apiKeyId: principal.keyId,
    key,
    method: req.method,
    path: req.originalUrl,
    hash: requestHash({ method: req.method, url: req.originalUrl, body: req.body ?? null }),
    ledgerKey: `http:${principal.keyId}:${key}`,
  };
}

/**
 * The PostgreSQL session name by which an API process says it is alive (its
 * revocation listener's, src/runtime/api.ts): an in-flight claim whose owner
 * has no such session belongs to a process that died.
 */
export const apiSessionName = (instance: string) => `burndown-api/${instance}`;

/**
 * Writes the key's record with `status` and `body` (IN_FLIGHT and null: a
 * claim) unless the key holds another record, and returns null; otherwise
 * answers as that record says: its response (a replay), 422 for a different
 * request, 409 while it is in flight. A record left in flight by a request
 * that died, or expired, is taken over: the claim of a process whose session
 * is gone at once (a killed API process's retried requests go on on another
 * process), any claim after IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS.
 */
export async function claimOrAnswer(
  deps: ApiDeps,
  { apiKeyId, key, method, path, hash }: IdempotentRequest,
  status: number,
  body: string | null,
): Promise<RouteResult | null> {
  // The records live in the ledger's database (one pool) but on the database's
  // clock, not the ledger's: they are infrastructure, and one clock keeps the
  // stale check honest.
  const db = deps.ledger.db;
  const expiresAt = sql<Date>`now() + make_interval(hours => ${deps.config.IDEMPOTENCY_RETENTION_HOURS})`;
  const staleBefore = sql<Date>`now() - make_interval(secs => ${deps.config.IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS})`;
  // Its owner's session is gone: the process died (checked only for a key that is already claimed).
  const ownerGone = sql<boolean>`not exists (select 1 from pg_stat_activity a
    where a.application_name = ${apiSessionName('')} || idempotency_keys.owner)`;
  const owner = deps.instance ?? null;

  const claimed = await db
    .insertInto('idempotency_keys')
    .values({
      api_key_id: apiKeyId,
      key,
      method,
      path,
      request_hash: hash,
      status_code: status,
      response_body: body,
      expires_at: expiresAt,
      owner,
    })
    .onConflict((oc) =>
      // Take over a stale in-flight claim or an expired record; leave the rest alone.
      oc
        .columns(['api_key_id', 'key'])
        .doUpdateSet({ request_hash: hash, created_at: sql`now()`, expires_at: expiresAt, status_code: status, response_body: body, owner })
        .where((eb) =>
          eb.or([
            eb('idempotency_keys.expires_at', '<', sql<Date>`now()`),
            eb.and([
              eb('idempotency_keys.status_code', '=', IN_FLIGHT),
              eb('idempotency_keys.request_hash', '=', hash),
              eb.or([
                // An in-flight record this old belongs to a request that died.
                eb('idempotency_keys.created_at', '<', staleBefore),
                eb.and([eb('idempotency_keys.owner', 'is not', null), ownerGone]),
              ]),
            ]),
          ]),
        ),
    )
    .returning(sql<boolean>`xmax = 0`.as('inserted'))
    .executeTakeFirst();
  if (claimed) return null;
  const answer = await recordedAnswer(deps, { apiKeyId, key, hash });
  if (!answer) throw new Error(`Idempotency-Key ${key}: the record that refused the claim is gone`);
  return answer;
}

/**
 * What the key's record answers this request, or null without a record: its
 * response (a replay), 422 for a different request, 409 while in flight.
 */
export async function recordedAnswer(
  deps: ApiDeps,
  { apiKeyId, key, hash }: Pick<IdempotentRequest, 'apiKeyId' | 'key' | 'hash'>,
): Promise<RouteResult | null> {
  const existing = await deps.ledger.db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('api_key_id', '=', apiKeyId)
    .where('key', '=', key)
    .executeTakeFirst();
  if (!existing) return null;
  if (existing.request_hash !== hash) {
    throw new HttpProblem({
      title: 'Unprocessable Content',
      status: 422,
      code: 'idempotency_key_reused',
      detail: `Idempotency-Key ${key} was first used for a different request (${existing.method} ${existing.path}); use a new key for a new operation.`,
    });
  }
  if (existing.status_code === IN_FLIGHT) throw inFlight(key);
  return replay(existing.status_code, existing.response_body);
}

export const replay = (status: number, body: string | null): RouteResult => ({
  status,
  body: body ?? undefined,
  raw: true,
  headers: { 'Idempotent-Replayed': 'true' },
});

export const inFlight = (key: string) =>
  new HttpProblem(
    {
      title: 'Conflict',
      status: 409,
      code: 'idempotency_key_in_flight',
      detail: `A request with Idempotency-Key ${key} is still being processed; retry after it finishes.`,
    },
    { 'Retry-After': '1' },
  );
