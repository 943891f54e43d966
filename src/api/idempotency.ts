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
  const hash = requestHash({ method: req.method, url: req.originalUrl, body: req.body ?? null });
  // The records live in the ledger's database (one pool) but on the database's
  // clock, not the ledger's: they are infrastructure, and one clock keeps the
  // stale check honest.
  const db = deps.ledger.db;
  const expiresAt = sql<Date>`now() + make_interval(hours => ${deps.config.IDEMPOTENCY_RETENTION_HOURS})`;
  const staleBefore = sql<Date>`now() - make_interval(secs => ${deps.config.IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS})`;

  const claimed = await db
    .insertInto('idempotency_keys')
    .values({
      api_key_id: principal.keyId,
      key,
      method: req.method,
      path: req.originalUrl,
      request_hash: hash,
      status_code: IN_FLIGHT,
      response_body: null,
      expires_at: expiresAt,
    })
    .onConflict((oc) =>
      // Take over a stale in-flight claim or an expired record; leave the rest alone.
      oc
        .columns(['api_key_id', 'key'])
        .doUpdateSet({ request_hash: hash, created_at: sql`now()`, expires_at: expiresAt, status_code: IN_FLIGHT, response_body: null })
        .where((eb) =>
          eb.or([
            eb('idempotency_keys.expires_at', '<', sql<Date>`now()`),
            eb.and([
              eb('idempotency_keys.status_code', '=', IN_FLIGHT),
              // An in-flight record this old belongs to a request that died.
              eb('idempotency_keys.created_at', '<', staleBefore),
              eb('idempotency_keys.request_hash', '=', hash),
            ]),
          ]),
        ),
    )
    .returning(sql<boolean>`xmax = 0`.as('inserted'))
    .executeTakeFirst();

  if (!claimed) {
    const existing = await db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('api_key_id', '=', principal.keyId)
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    if (existing.request_hash !== hash) {
      throw new HttpProblem({
        title: 'Unprocessable Content',
        status: 422,
        code: 'idempotency_key_reused',
        detail: `Idempotency-Key ${key} was first used for a different request (${existing.method} ${existing.path}); use a new key for a new operation.`,
      });
    }
    if (existing.status_code === IN_FLIGHT) {
      throw new HttpProblem(
        {
          title: 'Conflict',
          status: 409,
          code: 'idempotency_key_in_flight',
          detail: `A request with Idempotency-Key ${key} is still being processed; retry after it finishes.`,
        },
        { 'Retry-After': '1' },
      );
    }
    return {
      status: existing.status_code,
      body: existing.response_body ?? undefined,
      raw: true,
      headers: { 'Idempotent-Replayed': 'true' },
    };
  }

  let result: RouteResult;
  try {
    result = await handler(`http:${principal.keyId}:${key}`);
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
