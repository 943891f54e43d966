import { describe, expect, it } from 'vitest';
import {
  commitHold,
  createGroupCommit,
  createHold,
  deduct,
  releaseHold,
  issueGrant,
  PoolCapExceededError,
  refundBurn,
  type LedgerDeps,
} from '../../src/ledger/index.js';
import { call, useApi } from '../helpers/api.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';

/**
 * Pool member caps (issue 18): what a member draws from its pool parent per
 * UTC month, enforced in the deduct's and hold's own transaction. Ledger
 * invariants are checked after every test (useLedgerFixture).
 */
const f = useLedgerFixture();
const api = useApi(f);

async function pool(parentCredits: string, extra: { overdraftLimit?: Record<string, string> } = {}) {
  const parent = await newAccount(f.deps);
  await issueGrant(f.deps, { accountId: parent, creditType: 'ai', amount: parentCredits, source: 'purchase' }, actor);
  const member = await newAccount(f.deps, { parentId: parent, ...extra });
  return { parent, member };
}

const setCap = (member: string, amount: string) =>
  call(api, 'POST', `/v1/accounts/${member}/pool-caps`, { body: { creditType: 'ai', amount } });
const balanceOf = async (id: string) =>
  (
    (await call(api, 'GET', `/v1/accounts/${id}/balance`)).body!.balances as { creditType: string; available: string; poolCap?: unknown }[]
  ).find((b) => b.creditType === 'ai')!;

describe('pool member caps', () => {
  it('caps what a member draws from the pool per month: 402 pool_cap_exceeded past it, visible in its balance', async () => {
    f.clock.set(new Date('2026-04-10T12:00:00Z'));
    const { parent, member } = await pool('100');
    const set = await setCap(member, '10');
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      accountId: member,
      parentId: parent,
      cap: '10.00',
      drawn: '0.00',
      remaining: '10.00',
      period: 'month',
    });
    expect(set.body).toMatchObject({ periodStart: '2026-04-01T00:00:00.000Z', periodEnd: '2026-05-01T00:00:00.000Z' });
    expect(await balanceOf(member)).toMatchObject({ available: '10.00', poolCap: { cap: '10.00', drawn: '0.00', remaining: '10.00' } });

    const deductAi = (amount: string) => call(api, 'POST', `/v1/accounts/${member}/deduct`, { body: { creditType: 'ai', amount } });
    expect((await deductAi('6')).status).toBe(200);
    const refused = await deductAi('5');
    expect(refused.status).toBe(402);
    expect(refused.body).toMatchObject({
      type: 'urn:burndown:problem:pool_cap_exceeded',
      code: 'pool_cap_exceeded',
      accountId: member,
      parentId: parent,
      creditType: 'ai',
      cap: '10.00',
      drawn: '6.00',
      remaining: '4.00',
      requested: '5.00',
      periodEnd: '2026-05-01T00:00:00.000Z',
    });
    expect((await deductAi('4')).status).toBe(200);
    expect(await balanceOf(member)).toMatchObject({ available: '0.00', poolCap: { drawn: '10.00', remaining: '0.00' } });
    // The pool itself is untouched beyond the cap; the parent and other members still spend it.
    expect(await balanceOf(parent)).toMatchObject({ available: '90.00' });
    expect((await call(api, 'GET', `/v1/accounts/${member}/pool-caps`)).body!.data).toEqual([expect.objectContaining({ drawn: '10.00' })]);

    // A new month, a new budget.
    f.clock.set(new Date('2026-05-01T00:00:01Z'));
    expect((await deductAi('3')).status).toBe(200);
    expect(await balanceOf(member)).toMatchObject({ available: '7.00', poolCap: { drawn: '3.00', remaining: '7.00' } });
    // Removing the cap lets the member draw on the pool as any member.
    expect((await call(api, 'DELETE', `/v1/accounts/${member}/pool-caps/ai`)).status).toBe(200);
    expect((await deductAi('20')).status).toBe(200);
    expect((await call(api, 'DELETE', `/v1/accounts/${member}/pool-caps/ai`)).status).toBe(404);
  });

  it('leaves the member’s own grants uncapped, gives back releases and refunds, and never takes past the cap into the overdraft', async () => {
    f.clock.set(new Date('2026-04-12T12:00:00Z'));
    const { parent, member } = await pool('100', { overdraftLimit: { ai: '50' } });
    await issueGrant(f.deps, { accountId: member, creditType: 'ai', amount: '3', source: 'purchase' }, actor);
    await setCap(member, '5');
    expect(await balanceOf(member)).toMatchObject({ available: '8.00' });

    const hold = await createHold(f.deps, { accountId: member, creditType: 'ai', amount: '6' }, actor); // 3 own + 3 pool
    expect(await balanceOf(member)).toMatchObject({ poolCap: { drawn: '3.00', remaining: '2.00' } });
    await releaseHold(f.deps, hold.id, actor);
    expect(await balanceOf(member)).toMatchObject({ poolCap: { drawn: '0.00', remaining: '5.00' } });
    // 20 asked: 3 own, 5 from the pool (the cap's room), the other 12 from the member's own overdraft.
    const burned = await deduct(f.deps, { accountId: member, creditType: 'ai', amount: '20' }, actor);
    expect(burned).toMatchObject({ deducted: '20.00', balance: { overdraftUsed: '12.00' } });
    expect(await balanceOf(parent)).toMatchObject({ available: '95.00' });
    expect(await balanceOf(member)).toMatchObject({ poolCap: { drawn: '5.00', remaining: '0.00' } });
    await refundBurn(f.deps, { accountId: member, transactionId: burned.transactionId, amount: '20' }, { ...actor, reason: 'test' });
    expect(await balanceOf(member)).toMatchObject({ poolCap: { drawn: '0.00' } });
    const held = await createHold(f.deps, { accountId: member, creditType: 'ai', amount: '8' }, actor);
    await commitHold(f.deps, held.id, '8', actor);
    expect(await balanceOf(member)).toMatchObject({ poolCap: { drawn: '5.00', remaining: '0.00' } });
    expect((await setCap(parent, '5')).status).toBe(409);
  });

  it('no concurrency overdraws the cap: grouped, lone and HTTP deducts and holds race on one member', async () => {
    f.clock.set(new Date('2026-04-15T12:00:00Z'));
    const { parent, member } = await pool('1000');
    const other = await newAccount(f.deps, { parentId: parent });
    await setCap(member, '20');
    const grouped: LedgerDeps = { ...f.deps, groupCommit: createGroupCommit() };
    const attempts = Array.from({ length: 90 }, (_, i) => {
      const input = { accountId: member, creditType: 'ai', amount: '1' };
      if (i % 3 === 0) return deduct(grouped, input, actor).then(() => 'ok');
      if (i % 3 === 1) return createHold(f.deps, input, actor).then(() => 'ok');
      return call(api, 'POST', `/v1/accounts/${member}/deduct`, { body: { creditType: 'ai', amount: '1' } }).then((r) =>
        r.status === 200 ? 'ok' : String(r.body?.code),
      );
    });
    const others = Array.from({ length: 10 }, () => deduct(grouped, { accountId: other, creditType: 'ai', amount: '1' }, actor));
    const results = await Promise.all(
      attempts.map((p) =>
        p.catch((e: unknown) => {
          if (e instanceof PoolCapExceededError) return e.code;
          throw e;
        }),
      ),
    );
    await Promise.all(others);
    expect(results.filter((r) => r === 'ok')).toHaveLength(20);
    expect(results.filter((r) => r !== 'ok').every((r) => r === 'pool_cap_exceeded')).toBe(true);
    expect(await balanceOf(member)).toMatchObject({ available: '0.00', poolCap: { drawn: '20.00', remaining: '0.00' } });
    expect(await balanceOf(parent)).toMatchObject({ available: '970.00' });
  });
});
