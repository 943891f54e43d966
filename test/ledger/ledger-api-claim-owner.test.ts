import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { apiSessionName } from '../../src/api/idempotency.js';
import { requestHash } from '../../src/ledger/index.js';
import { call, useApi } from '../helpers/api.js';
import { useLedgerFixture } from '../helpers/ledger.js';

/**
 * An in-flight Idempotency-Key claim names the API process that made it; a
 * retry on another process takes it over as soon as that process's session
 * (apiSessionName) is gone, instead of answering 409 until
 * IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS (60 s). Found by the scale-out drill:
 * the clients of a SIGKILLed API process were stuck on 409 for a minute.
 */
const f = useLedgerFixture();
const api = useApi(f);
let n = 0;

/** A claim of POST /v1/accounts with this body, in flight since just now, by `owner` (null: a process that did not say). */
async function claimInFlight(body: unknown, owner: string | null): Promise<string> {
  const key = `claimed-${++n}`;
  const keyId = `key_${api.adminKey.split('_')[2]}`;
  const hash = requestHash({ method: 'POST', url: '/v1/accounts', body });
  await sql`insert into idempotency_keys (api_key_id, key, method, path, request_hash, status_code, response_body, expires_at, owner)
    values (${keyId}, ${key}, 'POST', '/v1/accounts', ${hash}, 0, null, now() + interval '1 day', ${owner})`.execute(f.deps.db);
  return key;
}

/** A session that says process `instance` is alive, as its revocation listener does. */
async function aliveAs(instance: string): Promise<pg.Client> {
  const session = new pg.Client({ connectionString: f.database.url, application_name: apiSessionName(instance) });
  await session.connect();
  return session;
}

describe('in-flight claims of a dead API process', () => {
  it('are taken over at once when the owner’s session is gone; kept while it lives', async () => {
    const body = { id: 'claim-owner-1', name: 'Claimed' };
    const session = await aliveAs('a1b2c3d4e5f60718');
    const idempotencyKey = await claimInFlight(body, 'a1b2c3d4e5f60718');
    const whileAlive = await call(api, 'POST', '/v1/accounts', { body, idempotencyKey });
    expect(whileAlive.status).toBe(409);
    expect(whileAlive.body).toMatchObject({ code: 'idempotency_key_in_flight' });

    await session.end(); // the process dies: PostgreSQL drops its session
    const retried = await call(api, 'POST', '/v1/accounts', { body, idempotencyKey });
    expect(retried.status).toBe(201);
    const replayed = await call(api, 'POST', '/v1/accounts', { body, idempotencyKey });
    expect(replayed.status).toBe(201);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
  });

  it('of a process that did not say who it is wait for the timeout (409 meanwhile)', async () => {
    const body = { id: 'claim-owner-2', name: 'Unowned' };
    const idempotencyKey = await claimInFlight(body, null);
    const retried = await call(api, 'POST', '/v1/accounts', { body, idempotencyKey });
    expect(retried.status).toBe(409);
  });

  it('are never taken over by a different request under the same key (422)', async () => {
    const idempotencyKey = await claimInFlight({ id: 'claim-owner-3', name: 'First' }, '0000000000000000');
    const other = await call(api, 'POST', '/v1/accounts', { body: { id: 'claim-owner-3', name: 'Other' }, idempotencyKey });
    expect(other.status).toBe(422);
  });
});
