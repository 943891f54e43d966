import { describe, expect, it } from 'vitest';
import { getBalances, issueGrant } from '../../src/ledger/index.js';
import { call, useApi } from '../helpers/api.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';

/**
 * POST /v1/accounts/{id}/deduct with `items`: several credit types in one
 * request, all or nothing (issue 18). Ledger invariants are checked after
 * every test (useLedgerFixture).
 */
const f = useLedgerFixture();
const api = useApi(f);

async function twoTypeAccount(ai: string, storage: string): Promise<string> {
  const id = await newAccount(f.deps);
  await issueGrant(f.deps, { accountId: id, creditType: 'ai', amount: ai, source: 'purchase' }, actor);
  await issueGrant(f.deps, { accountId: id, creditType: 'storage', amount: storage, source: 'purchase' }, actor);
  return id;
}

const available = async (id: string, creditType: string) =>
  (await getBalances(f.deps.db, id, f.clock.now())).balances.find((b) => b.creditType === creditType)?.available;
const transactionsOf = async (id: string) =>
  (await f.deps.db.selectFrom('ledger_transactions').select('id').where('account_id', '=', id).execute()).length;

describe('multi-type deduct (items)', () => {
  it('deducts every credit type in one request, one result per credit type in credit type order, replayed whole', async () => {
    const id = await twoTypeAccount('100', '10');
    const body = {
      items: [
        { creditType: 'storage', amount: '4' },
        { creditType: 'ai', amount: '30.50' },
      ],
      feature: 'render',
    };
    const res = await call(api, 'POST', `/v1/accounts/${id}/deduct`, { body, idempotencyKey: `multi-${id}` });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      accountId: id,
      items: [
        { accountId: id, creditType: 'ai', requested: '30.50', deducted: '30.50', balance: { available: '69.50' } },
        { accountId: id, creditType: 'storage', requested: '4', deducted: '4', balance: { available: '6' } },
      ],
    });
    const [ai, storage] = res.body!.items as { transactionId: string }[];
    expect(ai!.transactionId).not.toBe(storage!.transactionId);
    expect([await available(id, 'ai'), await available(id, 'storage')]).toEqual(['69.50', '6']);

    const again = await call(api, 'POST', `/v1/accounts/${id}/deduct`, { body, idempotencyKey: `multi-${id}` });
    expect(again.status).toBe(200);
    expect(again.text).toBe(res.text);
    const other = { items: [{ creditType: 'storage', amount: '1' }] };
    expect((await call(api, 'POST', `/v1/accounts/${id}/deduct`, { body: other, idempotencyKey: `multi-${id}` })).status).toBe(422);
    expect([await available(id, 'ai'), await available(id, 'storage')]).toEqual(['69.50', '6']);
  });

  it('writes nothing when one item is short: one 402 naming that credit type', async () => {
    const id = await twoTypeAccount('100', '10');
    const before = await transactionsOf(id);
    const res = await call(api, 'POST', `/v1/accounts/${id}/deduct`, {
      body: {
        items: [
          { creditType: 'ai', amount: '10' },
          { creditType: 'storage', amount: '25' },
        ],
      },
    });
    expect(res.status).toBe(402);
    expect(res.body).toMatchObject({
      code: 'insufficient_credits',
      creditType: 'storage',
      available: '10',
      requested: '25',
      shortfall: '15',
    });
    // ai sorts first and was deducted inside the transaction: rolled back with it.
    expect([await available(id, 'ai'), await available(id, 'storage')]).toEqual(['100.00', '10']);
    expect(await transactionsOf(id)).toBe(before);
    const entries = await f.deps.db
      .selectFrom('ledger_entries')
      .select('id')
      .where('account_id', '=', id)
      .where('entry_type', '=', 'burn')
      .execute();
    expect(entries).toEqual([]);
  });

  it('refuses both forms at once, unknown fields, a credit type twice, allowPartial with items, and an unknown credit type', async () => {
    const id = await twoTypeAccount('100', '10');
    const deduct = (body: unknown) => call(api, 'POST', `/v1/accounts/${id}/deduct`, { body });
    const both = await deduct({ creditType: 'ai', amount: '1', items: [{ creditType: 'storage', amount: '1' }] });
    expect(both.status).toBe(400);
    expect(both.body?.errors).toEqual([expect.objectContaining({ path: 'items' })]);
    expect((await deduct({ items: [{ creditType: 'ai', amount: '1', extra: true }] })).status).toBe(400);
    expect((await deduct({ items: [] })).status).toBe(400);
    expect((await deduct({ feature: 'x' })).body?.errors).toEqual([
      expect.objectContaining({ path: 'creditType' }),
      expect.objectContaining({ path: 'amount' }),
    ]);
    expect((await deduct({ items: [{ creditType: 'ai', amount: '1' }], allowPartial: true })).status).toBe(400);
    const twice = await deduct({
      items: [
        { creditType: 'ai', amount: '1' },
        { creditType: 'ai', amount: '2' },
      ],
    });
    expect(twice.status).toBe(400);
    expect(twice.body?.errors).toEqual([expect.objectContaining({ path: 'items.1.creditType' })]);
    const unknown = await deduct({
      items: [
        { creditType: 'ai', amount: '1' },
        { creditType: 'nope', amount: '2' },
      ],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body?.errors).toEqual([expect.objectContaining({ path: 'items.1.creditType' })]);
    expect((await deduct({ items: [{ creditType: 'storage', amount: '1.5' }] })).body?.errors).toEqual([
      expect.objectContaining({ path: 'items.0.amount' }),
    ]);
    expect([await available(id, 'ai'), await available(id, 'storage')]).toEqual(['100.00', '10']);
  });

  it('concurrent multi-type deducts in either item order never deadlock nor overdraw, and single deducts run beside them', async () => {
    const id = await twoTypeAccount('20', '20');
    const orders = [
      [
        { creditType: 'ai', amount: '3' },
        { creditType: 'storage', amount: '3' },
      ],
      [
        { creditType: 'storage', amount: '3' },
        { creditType: 'ai', amount: '3' },
      ],
    ];
    const requests = Array.from({ length: 12 }, (_, i) =>
      i % 3 === 2
        ? call(api, 'POST', `/v1/accounts/${id}/deduct`, { body: { creditType: 'ai', amount: '1' } })
        : call(api, 'POST', `/v1/accounts/${id}/deduct`, { body: { items: orders[i % 2] } }),
    );
    const results = await Promise.all(requests);
    expect(results.map((r) => r.status).every((s) => s === 200 || s === 402)).toBe(true);
    const multi = results.filter((_, i) => i % 3 !== 2);
    const singles = results.filter((_, i) => i % 3 === 2 && results[i]!.status === 200).length;
    const done = multi.filter((r) => r.status === 200).length;
    // storage: 20 / 3 → at most 6 multi deducts; each took both types or neither.
    expect(done).toBe(6);
    expect(await available(id, 'storage')).toBe(String(20 - 3 * done));
    expect(await available(id, 'ai')).toBe(`${20 - 3 * done - singles}.00`);
  });
});
