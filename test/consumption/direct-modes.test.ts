import { describe, expect, it } from 'vitest';
import { call, useApi } from '../helpers/api.js';
import { useLedgerFixture } from '../helpers/ledger.js';
import { fundedAccount, uniqueKey } from './fixture.js';

const f = useLedgerFixture();
const api = useApi(f);

const deduct = (accountId: string, amount: string, idempotencyKey?: string) =>
  call(api, 'POST', `/v1/accounts/${accountId}/deduct`, {
    body: { creditType: 'ai', amount, feature: 'chat' },
    ...(idempotencyKey && { idempotencyKey }),
  });
const hold = (accountId: string, amount: string) =>
  call(api, 'POST', `/v1/accounts/${accountId}/holds`, { body: { creditType: 'ai', amount, feature: 'chat' } });
const setGlobal = async (mode: 'enforce' | 'shadow' | 'off' | null) =>
  expect((await call(api, 'PATCH', '/v1/settings/enforcement', { body: { mode } })).status).toBe(200);

const ledgerEntries = (accountId: string) =>
  f.deps.db
    .selectFrom('ledger_entries')
    .select('entry_type')
    .where('account_id', '=', accountId)
    .where('entry_type', '<>', 'grant')
    .execute();
const shadowEntries = (accountId: string) =>
  f.deps.db
    .selectFrom('shadow_entries')
    .select(['source', 'step', 'amount', 'available', 'would_block', 'feature', 'pricing_version'])
    .where('account_id', '=', accountId)
    .orderBy('id')
    .execute();

describe('enforcement modes on /deduct and /holds (R-C8 on every path)', () => {
  it('shadow: lets a deduct and a hold through, burns and holds nothing, records what enforce would have refused', async () => {
    const acct = await fundedAccount(f.deps, '10', { enforcementMode: 'shadow' });
    const key = uniqueKey('shadow-deduct');
    const over = await deduct(acct, '25', key);
    expect(over.status).toBe(200);
    expect(over.body).toEqual({
      transactionId: null,
      accountId: acct,
      creditType: 'ai',
      requested: '25.00',
      deducted: '0.00',
      balance: { available: '10.00', overdraftUsed: '0.00' },
      enforcementMode: 'shadow',
      wouldBlock: true,
    });
    // A retry with the same Idempotency-Key replays the answer and records nothing twice.
    const replay = await deduct(acct, '25', key);
    expect(replay.text).toBe(over.text);
    expect((await deduct(acct, '4')).body).toMatchObject({ enforcementMode: 'shadow', wouldBlock: false, deducted: '0.00' });
    const held = await hold(acct, '40');
    expect(held.status).toBe(201);
    expect(held.headers.get('location')).toBeNull();
    expect(held.body).toMatchObject({ id: null, status: 'not_held', amount: '40.00', enforcementMode: 'shadow', wouldBlock: true });

    expect(await ledgerEntries(acct)).toEqual([]);
    expect(await f.deps.db.selectFrom('holds').select('id').where('account_id', '=', acct).execute()).toEqual([]);
    expect(await shadowEntries(acct)).toEqual([
      { source: 'deduct', step: 'deduct', amount: 2500n, available: 1000n, would_block: true, feature: 'chat', pricing_version: null },
      { source: 'deduct', step: 'deduct', amount: 400n, available: 1000n, would_block: false, feature: 'chat', pricing_version: null },
      { source: 'hold', step: 'hold', amount: 4000n, available: 1000n, would_block: true, feature: 'chat', pricing_version: null },
    ]);
  });

  it('off: lets it through and records nothing; bad input is still refused', async () => {
    const acct = await fundedAccount(f.deps, '1', { enforcementMode: 'off' });
    expect((await deduct(acct, '5')).body).toMatchObject({
      transactionId: null,
      deducted: '0.00',
      enforcementMode: 'off',
      wouldBlock: true,
    });
    expect((await hold(acct, '5')).body).toMatchObject({ id: null, status: 'not_held', enforcementMode: 'off' });
    expect(await shadowEntries(acct)).toEqual([]);
    expect(await ledgerEntries(acct)).toEqual([]);
    expect((await deduct(acct, '0.001')).status).toBe(400);
    const unknownType = await call(api, 'POST', `/v1/accounts/${acct}/deduct`, { body: { creditType: 'nope', amount: '1' } });
    expect(unknownType.status).toBe(400);
  });

  it('the global kill switch beats the account’s own enforce; a global shadow reaches only accounts without a mode', async () => {
    const own = await fundedAccount(f.deps, '1', { enforcementMode: 'enforce' });
    const plain = await fundedAccount(f.deps, '1');
    try {
      await setGlobal('off');
      expect((await deduct(own, '5')).body).toMatchObject({ enforcementMode: 'off', transactionId: null });
      await setGlobal('shadow');
      expect((await deduct(own, '5')).status).toBe(402);
      expect((await deduct(plain, '5')).body).toMatchObject({ enforcementMode: 'shadow', wouldBlock: true });
      expect((await call(api, 'POST', '/v1/accounts/missing-account/deduct', { body: { creditType: 'ai', amount: '1' } })).status).toBe(
        404,
      );
    } finally {
      await setGlobal(null);
    }
    const enforced = await deduct(plain, '0.50');
    expect(enforced.status).toBe(200);
    expect(enforced.body!.transactionId).toEqual(expect.any(String));
    expect(enforced.body).not.toHaveProperty('enforcementMode');
    expect((await deduct(plain, '5')).status).toBe(402);
  });

  it('an account’s own mode, kept in each process’s memory, follows a change of it at once', async () => {
    const acct = await fundedAccount(f.deps, '1');
    expect((await deduct(acct, '5')).status).toBe(402); // its mode (none) is now cached
    const patched = await call(api, 'PATCH', `/v1/accounts/${acct}`, { body: { enforcementMode: 'shadow' } });
    expect(patched.status).toBe(200);
    const start = Date.now();
    let answer = await deduct(acct, '5');
    while (answer.status === 402 && Date.now() - start < 5000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      answer = await deduct(acct, '5');
    }
    expect(answer.body).toMatchObject({ enforcementMode: 'shadow', wouldBlock: true });
    // Written by anything (here SQL): the trigger announces it all the same.
    await f.deps.db.updateTable('accounts').set({ enforcement_mode: null }).where('id', '=', acct).execute();
    const back = Date.now();
    answer = await deduct(acct, '5');
    while (answer.status === 200 && Date.now() - back < 5000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      answer = await deduct(acct, '5');
    }
    expect(answer.status).toBe(402);
  });

  it('the shadow report: per account and feature, what enforce would have refused in [from, to)', async () => {
    const from = f.clock.now();
    const a = await fundedAccount(f.deps, '10', { enforcementMode: 'shadow' });
    const b = await fundedAccount(f.deps, null, { enforcementMode: 'shadow' });
    await deduct(a, '25'); // refused
    await deduct(a, '4'); // not refused
    await hold(a, '40'); // refused
    await call(api, 'POST', `/v1/accounts/${b}/deduct`, { body: { creditType: 'ai', amount: '30', feature: 'tokens' } });
    await call(api, 'POST', `/v1/accounts/${b}/deduct`, { body: { creditType: 'ai', amount: '2' } });
    f.clock.advance(3_600_000);
    const to = f.clock.now();
    await deduct(a, '50'); // at `to`: outside the window
    const report = await call(api, 'GET', `/v1/reports/shadow?from=${from.toISOString()}&to=${to.toISOString()}`, {
      key: await api.key(['finance']),
    });
    expect(report.status).toBe(200);
    const ours = (report.body!.data as { accountId: string }[]).filter((row) => row.accountId === a || row.accountId === b);
    expect(ours).toEqual([
      {
        accountId: a,
        feature: 'chat',
        creditType: 'ai',
        refused: { count: 2, credits: '65.00' },
        shadowed: { count: 3, credits: '69.00' },
      },
      {
        accountId: b,
        feature: 'tokens',
        creditType: 'ai',
        refused: { count: 1, credits: '30.00' },
        shadowed: { count: 1, credits: '30.00' },
      },
      { accountId: b, feature: null, creditType: 'ai', refused: { count: 1, credits: '2.00' }, shadowed: { count: 1, credits: '2.00' } },
    ]);
    expect(report.body).toMatchObject({ from: from.toISOString(), to: to.toISOString(), truncated: false });

    const support = await api.key(['support']);
    expect((await call(api, 'GET', `/v1/reports/shadow?from=${from.toISOString()}&to=${to.toISOString()}`, { key: support })).status).toBe(
      403,
    );
    expect((await call(api, 'GET', `/v1/reports/shadow?from=${to.toISOString()}&to=${from.toISOString()}`)).status).toBe(400);
    expect((await call(api, 'GET', `/v1/reports/shadow?from=${from.toISOString()}`)).status).toBe(400);
    expect((await call(api, 'GET', `/v1/reports/shadow?from=${from.toISOString()}&to=${to.toISOString()}&account=x`)).status).toBe(400);
  });
});
