import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { serializeBody } from '../../src/api/response.js';
import type { HttpIdempotencyRecord } from '../../src/ledger/context.js';
import { commitHold, createHold, deduct, IdempotencyConflictError, issueGrant, StoredHttpResponse } from '../../src/ledger/index.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';

/**
 * The ledger side of "one commit per request": an operation can claim and
 * complete the HTTP Idempotency-Key record (status and stored response) in
 * its own transaction, so the API needs no commit of its own for it.
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
  inFlightTimeoutSeconds: 3600,
});

async function stored(r: HttpIdempotencyRecord) {
  const { rows } = await sql<{ status_code: number; response_body: string | null; request_hash: string; xid: string }>`
    select status_code, response_body, request_hash, xmin::text as xid from idempotency_keys
    where api_key_id = ${r.apiKeyId} and key = ${r.key}`.execute(f.deps.db);
  return rows[0];
}

/** A claim of this request left in flight `ageSeconds` ago (by a concurrent attempt, or one that died). */
async function claimInFlight(r: HttpIdempotencyRecord, ageSeconds = 0) {
  await sql`insert into idempotency_keys (api_key_id, key, method, path, request_hash, status_code, response_body, expires_at, created_at)
    values (${r.apiKeyId}, ${r.key}, 'POST', ${r.path}, ${r.requestHash}, 0, null, now() + interval '1 day',
            now() - make_interval(secs => ${ageSeconds}))`.execute(f.deps.db);
}

async function ledgerTransactions(accountId: string): Promise<number> {
  const rows = await f.deps.db
    .selectFrom('ledger_transactions')
    .select('id')
    .where('account_id', '=', accountId)
    .where('kind', '=', 'deduct')
    .execute();
  return rows.length;
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

  it("takes over the request's own claim left by an attempt that died; refuses a key used for another request", async () => {
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '10', source: 'purchase' }, actor);
    const claim = { ...record(), inFlightTimeoutSeconds: 30 };
    await claimInFlight(claim, 31);
    const result = await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '1' }, { ...actor, httpIdempotency: claim });
    expect(await stored(claim)).toMatchObject({ status_code: 200, response_body: serializeBody(result) });

    const other = { ...record(), key: claim.key };
    await expect(
      deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '1' }, { ...actor, httpIdempotency: other }),
    ).rejects.toBeInstanceOf(IdempotencyConflictError);
    expect(await stored(claim)).toMatchObject({ request_hash: claim.requestHash, response_body: serializeBody(result) });
    expect(await ledgerTransactions(acct)).toBe(1);
  });

  it('a claim still in flight refuses the operation (409); the in-flight timeout must be given', async () => {
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '10', source: 'purchase' }, actor);
    const claim = { ...record(), inFlightTimeoutSeconds: 30 };
    await claimInFlight(claim, 5);
    await expect(
      deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '1' }, { ...actor, httpIdempotency: claim }),
    ).rejects.toMatchObject({ code: 'idempotency_key_in_flight' });
    // Without a timeout there is no telling a live claim from a dead one: refused, not taken over.
    const { inFlightTimeoutSeconds: _omitted, ...untimed } = claim;
    await expect(
      // @ts-expect-error inFlightTimeoutSeconds is required
      deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '1' }, { ...actor, httpIdempotency: untimed }),
    ).rejects.toThrow(/inFlightTimeoutSeconds/);
    expect(await ledgerTransactions(acct)).toBe(0);
  });

  it("a key that holds this request's response answers with it, byte for byte, and runs nothing", async () => {
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '10', source: 'purchase' }, actor);
    const done = record();
    const first = await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '1' }, { ...actor, httpIdempotency: done });
    await expect(deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '1' }, { ...actor, httpIdempotency: done })).rejects.toEqual(
      new StoredHttpResponse(200, serializeBody(first)),
    );
    expect(await ledgerTransactions(acct)).toBe(1);

    // A stored problem (the API's answer to an earlier refusal) comes back as it was stored.
    const refused = record();
    await sql`insert into idempotency_keys (api_key_id, key, method, path, request_hash, status_code, response_body, expires_at)
      values (${refused.apiKeyId}, ${refused.key}, 'POST', ${refused.path}, ${refused.requestHash}, 402, '{"status":402}', now() + interval '1 day')`.execute(
      f.deps.db,
    );
    const replay = deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '1' }, { ...actor, httpIdempotency: refused });
    await expect(replay).rejects.toBeInstanceOf(StoredHttpResponse);
    await expect(replay).rejects.toMatchObject({ status: 402, body: '{"status":402}' });
    expect(await ledgerTransactions(acct)).toBe(1);
  });

  it('two requests with one key on different accounts at once: one runs, the other is refused', async () => {
    const [a, b] = [await newAccount(f.deps), await newAccount(f.deps)];
    for (const id of [a, b]) await issueGrant(f.deps, { accountId: id, creditType: 'ai', amount: '10', source: 'purchase' }, actor);
    const key = record();
    const results = await Promise.allSettled(
      [a, b].map((accountId, i) =>
        deduct(f.deps, { accountId, creditType: 'ai', amount: '1' }, { ...actor, httpIdempotency: { ...key, requestHash: `race-${i}` } }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refusal = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason as unknown;
    expect(refusal).toBeInstanceOf(IdempotencyConflictError);
    expect((await ledgerTransactions(a)) + (await ledgerTransactions(b))).toBe(1);
  });

  it('a refused operation leaves no record; a ledger-level replay completes it with the first result', async () => {
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '2', source: 'purchase' }, actor);
    const refused = record();
    await expect(
      deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '5' }, { ...actor, httpIdempotency: refused }),
    ).rejects.toMatchObject({ code: 'insufficient_credits' });
    expect(await stored(refused)).toBeUndefined();

    // The ledger key was used without an HTTP record (its response lost), then the request comes again with one:
    // the record is completed with the first result, byte for byte, and the caller gets that same text.
    const meta = { ...actor, idempotencyKey: 'ledger-key' };
    const first = await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '1' }, meta);
    // A plain ledger-level replay is the first result with its keys in their order, so it serializes to the same bytes.
    expect(serializeBody(await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '1' }, meta))).toBe(serializeBody(first));
    const replay = record();
    const answer = await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '1' }, { ...meta, httpIdempotency: replay }).catch(
      (e: unknown) => e,
    );
    expect(await stored(replay)).toMatchObject({ status_code: 200, response_body: serializeBody(first) });
    expect(answer).toEqual(new StoredHttpResponse(200, serializeBody(first)));
    // Holds too: a hold's view has nulls and nested keys the stored JSON must keep in their order.
    const hold = await createHold(f.deps, { accountId: acct, creditType: 'ai', amount: '0.5' }, { ...actor, idempotencyKey: 'hold-key' });
    const holdReplay = record(201);
    await expect(
      createHold(
        f.deps,
        { accountId: acct, creditType: 'ai', amount: '0.5' },
        { ...actor, idempotencyKey: 'hold-key', httpIdempotency: holdReplay },
      ),
    ).rejects.toEqual(new StoredHttpResponse(201, serializeBody(hold)));
    expect((await stored(holdReplay))?.response_body).toBe(serializeBody(hold));
  });
});
