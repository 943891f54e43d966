import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { call, useApi } from '../helpers/api.js';
import { burnCount, fundedAccount, useLedgerFixture } from '../helpers/ledger.js';

/**
 * Routes whose success is one ledger operation (`idempotent: 'ledger'`) keep
 * their Idempotency-Key record in that operation's transaction: one commit
 * per request, with the same contract as every other idempotent route.
 */
const f = useLedgerFixture();
const api = useApi(f);
let n = 0;
const newKey = () => `one-commit-${process.pid}-${++n}`;

/** The key's record and the ledger transaction it keyed, as written: the same transaction id (xmin) if one commit wrote both. */
async function written(key: string) {
  const { rows } = await sql<{ record_xid: string; ledger_xid: string | null; status_code: number; response_body: string | null }>`
    select k.xmin::text as record_xid, t.xmin::text as ledger_xid, k.status_code, k.response_body
    from idempotency_keys k
    left join ledger_transactions t on t.idempotency_key = 'http:' || k.api_key_id || ':' || k.key
    where k.key = ${key}`.execute(f.deps.db);
  return rows;
}

async function post(path: string, key: string, body?: unknown) {
  return call(api, 'POST', path, { idempotencyKey: key, ...(body !== undefined && { body }) });
}

describe("a ledger route's Idempotency-Key record is written by its ledger transaction", () => {
  it('deduct, hold, commit, release and refund: one transaction each, the response stored byte for byte and replayed', async () => {
    const id = await fundedAccount(f.deps);
    const deductKey = newKey();
    const deducted = await post(`/v1/accounts/${id}/deduct`, deductKey, { creditType: 'ai', amount: '2' });
    const holdKey = newKey();
    const held = await post(`/v1/accounts/${id}/holds`, holdKey, { creditType: 'ai', amount: '3' });
    const otherHold = await post(`/v1/accounts/${id}/holds`, newKey(), { creditType: 'ai', amount: '1' });
    const commitKey = newKey();
    const committed = await post(`/v1/holds/${held.body?.id}/commit`, commitKey, { amount: '1' });
    const releaseKey = newKey();
    const released = await post(`/v1/holds/${otherHold.body?.id}/release`, releaseKey);
    const refundKey = newKey();
    const refunded = await post(`/v1/accounts/${id}/refunds`, refundKey, {
      transactionId: deducted.body?.transactionId,
      amount: '1',
      reason: 'outage',
    });

    const cases = [
      [deductKey, deducted, 200, `/v1/accounts/${id}/deduct`, { creditType: 'ai', amount: '2' }],
      [holdKey, held, 201, `/v1/accounts/${id}/holds`, { creditType: 'ai', amount: '3' }],
      [commitKey, committed, 200, `/v1/holds/${held.body?.id}/commit`, { amount: '1' }],
      [releaseKey, released, 200, `/v1/holds/${otherHold.body?.id}/release`, undefined],
      [
        refundKey,
        refunded,
        201,
        `/v1/accounts/${id}/refunds`,
        { transactionId: deducted.body?.transactionId, amount: '1', reason: 'outage' },
      ],
    ] as const;
    for (const [key, first, status, path, body] of cases) {
      expect(first.status, path).toBe(status);
      const [row] = await written(key);
      expect(row, path).toMatchObject({ status_code: status, response_body: first.text });
      expect(row!.ledger_xid, path).toBe(row!.record_xid);
      const again = await post(path, key, body);
      expect([again.status, again.text, again.headers.get('idempotent-replayed')], path).toEqual([status, first.text, 'true']);
    }
    // The replays ran nothing: six requests, six ledger transactions.
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from ledger_transactions where account_id = ${id} and idempotency_key like 'http:%'`.execute(f.deps.db);
    expect(rows[0]!.n).toBe(6);
  });

  it('a refusal before the ledger is stored and replayed; a key of another request is 422, whichever route it was first used on', async () => {
    const missing = newKey();
    const first = await post('/v1/holds/hold_nope/commit', missing, { amount: '1' });
    expect(first.status).toBe(404);
    const again = await post('/v1/holds/hold_nope/commit', missing, { amount: '1' });
    expect([again.status, again.text, again.headers.get('idempotent-replayed')]).toEqual([404, first.text, 'true']);

    const id = await fundedAccount(f.deps);
    const reused = await post(`/v1/accounts/${id}/deduct`, missing, { creditType: 'ai', amount: '1' });
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ code: 'idempotency_key_reused' });
    expect(reused.body?.detail).toContain('POST /v1/holds/hold_nope/commit');
    expect(await burnCount(f.deps.db, id)).toBe(0);
  });

  it('a claim in flight (a request still running) is 409 with Retry-After, and nothing runs', async () => {
    const id = await fundedAccount(f.deps);
    const key = newKey();
    const body = { creditType: 'ai', amount: '1' };
    const first = await post(`/v1/accounts/${id}/deduct`, key, body);
    // Turn the finished record back into a young claim of the same request, as a request still running leaves it.
    await sql`update idempotency_keys set status_code = 0, response_body = null, created_at = now() where key = ${key}`.execute(f.deps.db);
    const during = await post(`/v1/accounts/${id}/deduct`, key, body);
    expect(during.status).toBe(409);
    expect(during.body).toMatchObject({ code: 'idempotency_key_in_flight' });
    expect(during.headers.get('retry-after')).toBe('1');
    expect(first.status).toBe(200);
    expect(await burnCount(f.deps.db, id)).toBe(1);
  });
});

describe("a ledger route's replays and the account's rate limit", () => {
  const limited = useApi(f, { RATE_LIMIT_PER_ACCOUNT_PER_SECOND: '1' });

  it('a key that holds its response is replayed, never refused for the rate (sequential and concurrent)', async () => {
    const id = await fundedAccount(f.deps);
    const body = { creditType: 'ai', amount: '1' };
    const deduct = (idempotencyKey: string) => call(limited, 'POST', `/v1/accounts/${id}/deduct`, { idempotencyKey, body });
    const first = await deduct('limited-first');
    expect(first.status).toBe(200);
    let refused: string | undefined;
    for (let i = 0; i < 10 && !refused; i++) if ((await deduct(`limited-${i}`)).status === 429) refused = `limited-${i}`;
    expect(refused).toBeDefined();
    const again = await deduct('limited-first');
    expect([again.status, again.text, again.headers.get('idempotent-replayed')]).toEqual([200, first.text, 'true']);
    // The 429 was not stored as the refused key's response: once the bucket refills, its retry runs.
    await new Promise((r) => setTimeout(r, 1100));
    const retried = await deduct(refused!);
    expect([retried.status, retried.headers.get('idempotent-replayed')]).toEqual([200, null]);

    // Concurrent duplicates in one process wait for the first and are not charged: one runs, none is refused.
    await new Promise((r) => setTimeout(r, 1100));
    const together = await Promise.all(Array.from({ length: 20 }, () => deduct('limited-together')));
    expect(together.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(new Set(together.map((r) => r.text)).size).toBe(1);
  });
});
