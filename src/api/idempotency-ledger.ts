import type { Request } from 'express';
import type { Principal } from '../auth/api-keys.js';
import { ConflictError, StoredHttpResponse } from '../errors.js';
import type { HttpIdempotencyRecord } from '../ledger/index.js';
import type { ApiDeps } from './deps.js';
import { claimOrAnswer, idempotentRequest, inFlight, recordedAnswer, replay } from './idempotency.js';
import { toProblem } from './problem.js';
import { serializeBody, type RouteResult } from './response.js';

/** What a route that keeps its Idempotency-Key in the ledger hands its one ledger operation. */
export interface LedgerIdempotency {
  ledgerKey: string;
  httpIdempotency: HttpIdempotencyRecord;
}

/** Requests of this process still running, by API key and Idempotency-Key. */
const running = new Map<string, Promise<unknown>>();

/**
 * HTTP idempotency with the same contract as runIdempotent (replay byte for
 * byte, 422 for a different request, 409 in flight), for a route whose
 * success is the result of one ledger operation: that operation claims the
 * key, runs and stores its result as the response in one transaction, so a
 * request is one round trip and one commit instead of three (claim, ledger,
 * stored response). A request whose key another request of this process is
 * still running waits for it and answers from its record, neither running
 * nor charged (account rate limits); one of another process waits on the
 * key inside its own ledger call and replays. A 429 of the account's rate
 * limit is never the answer for a key that already holds a response: the
 * record is answered instead.
 *
 * The ledger keeps no record of a refusal (402, 404, 409 …) or of anything
 * the handler refused before reaching the ledger: that problem is stored
 * here, unless the key meanwhile holds another record, which is then
 * answered as runIdempotent would (replay, 422, 409). Failures (5xx, 429)
 * store nothing, so the client's retry runs again.
 */
export async function runIdempotentInLedger(
  deps: ApiDeps,
  req: Request,
  principal: Principal,
  successStatus: number,
  handler: (keys: LedgerIdempotency) => Promise<RouteResult>,
): Promise<RouteResult> {
  const request = idempotentRequest(req, principal);
  const id = `${request.apiKeyId}\u0000${request.key}`;
  for (let earlier = running.get(id); earlier; earlier = running.get(id)) {
    await earlier.catch(() => undefined);
    const answer = await recordedAnswer(deps, request);
    if (answer) return answer;
  }
  const httpIdempotency: HttpIdempotencyRecord = {
    apiKeyId: request.apiKeyId,
    key: request.key,
    method: request.method,
    path: request.path,
    requestHash: request.hash,
    status: successStatus,
    retentionHours: deps.config.IDEMPOTENCY_RETENTION_HOURS,
    inFlightTimeoutSeconds: deps.config.IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS,
  };
  const run = (async (): Promise<RouteResult> => {
    try {
      const result = await handler({ ledgerKey: request.ledgerKey, httpIdempotency });
      if (!result.outsideLedger) return result;
      return (await claimOrAnswer(deps, request, result.status, serializeBody(result.body))) ?? result;
    } catch (error) {
      // The key held this request's response (or the ledger key its first result): answered as stored.
      if (error instanceof StoredHttpResponse) return replay(error.status, error.body);
      // A claim of this request (written by runIdempotent) is still running.
      if (error instanceof ConflictError && error.code === 'idempotency_key_in_flight') throw inFlight(request.key);
      const { problem, headers } = toProblem(error, deps.problemContext);
      if (problem.status === 429) {
        // Rate limited: unless the key already holds an answer (a replay is never refused for the rate).
        const answer = await recordedAnswer(deps, request);
        if (answer) return answer;
        throw error;
      }
      if (problem.status >= 500) throw error;
      const answer = await claimOrAnswer(deps, request, problem.status, serializeBody(problem));
      return answer ?? { status: problem.status, body: problem, headers };
    }
  })();
  running.set(id, run);
  try {
    return await run;
  } finally {
    if (running.get(id) === run) running.delete(id);
  }
}
