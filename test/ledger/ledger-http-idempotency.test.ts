import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { serializeBody } from '../../src/api/response.js';
import type { HttpIdempotencyRecord } from '../../src/ledger/context.js';
import { commitHold, createHold, deduct, issueGrant } from '../../src/ledger/index.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';

/**
 * The ledger side of "one commit per request": an operation can complete the
 * HTTP Idempotency-Key record (status and stored response) in its own
 * transaction, so the API needs no commit of its own for it.
 */
const f = useLedgerFixture();
let n = 0;
const record = (status = 200): HttpIdempotencyRecord => ({
  apiKeyId: 'key_test',
  key: `http-${++n}`,
  method: 'POST',
  path: '/v1/accounts/x/deduct',
  requestHash: `hash-${n}`,
  status,
  retentionHours: 24,
});

async function stored(r: HttpIdempotencyRecord) {
  const { rows } = await sql<{ status_code: number; response_body: string | null; request_hash: string; xid: string }>`
    select status_code, response_body, request_hash, xmin::text as xid from idempotency_keys
    where api_key_id = ${r.apiKeyId} and key = ${r.key}`.execute(f.deps.db);
  return rows[0];
}

async function transactionXid(id: string) {
  const { rows } = await sql<{ xid: string }>`select xmin::text as xid from ledger_transactions where id = ${id}`.execute(f.deps.db);
  return rows[0]?.xid;
}

describe('the HTTP idempotency record written with the ledger transaction', () => {
  it('is completed in the same database transaction, with the response as the API would serialize it', async () => {
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '10', source: 'purchase' }, actor);
    const http = record();
    const result = await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '2.5' }, { ...actor, httpIdempotency: http });
    const row = await stored(http);
    expect(row).toMatchObject({ status_code: 200, response_body: serializeBody(result), request_hash: http.requestHash });
    expect(row!.xid).toBe(await transactionXid(result.transactionId));

    // Holds and commits too, byte for byte.
    const holdHttp = record(201);
    const hold = await createHold(f.deps, { accountId: acct, creditType: 'ai', amount: '3' }, { ...actor, httpIdempotency: holdHttp });
    expect((await stored(holdHttp))?.response_body).toBe(serializeBody(hold));
    const commitHttp = record();
    const committed = await commitHold(f.deps, hold.id, '1', { ...actor, httpIdempotency: commitHttp });
    expect((await stored(commitHttp))?.response_body).toBe(serializeBody(committed));
  });

  it("replaces the request's own in-flight claim, but never a finished record of another request", async () => {
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '10', source: 'purchase' }, actor);
    const claim = record();
    await sql`insert into idempotency_keys (api_key_id, key, method, path, request_hash, status_code, response_body, expires_at)
      values (${claim.apiKeyId}, ${claim.key}, 'POST', ${claim.path}, ${claim.requestHash}, 0, null, now() + interval '1 day')`.execute(
      f.deps.db,
    );
    const result = await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '1' }, { ...actor, httpIdempotency: claim });
    expect(await stored(claim)).toMatchObject({ status_code: 200, response_body: serializeBody(result) });

    const finished = { ...record(), key: claim.key };
    await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '1' }, { ...actor, httpIdempotency: finished });
    expect(await stored(claim)).toMatchObject({ request_hash: claim.requestHash, response_body: serializeBody(result) });
  });

  it('writes nothing for a refusal or for a ledger-level replay', async () => {
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '1', source: 'purchase' }, actor);
    const refused = record();
    await expect(
      deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '5' }, { ...actor, httpIdempotency: refused }),
    ).rejects.toMatchObject({ code: 'insufficient_credits' });
    expect(await stored(refused)).toBeUndefined();

    const meta = { ...actor, idempotencyKey: 'ledger-key' };
    await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '1' }, meta);
    const replay = record();
    await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '1' }, { ...meta, httpIdempotency: replay });
    expect(await stored(replay)).toBeUndefined();
  });
});
