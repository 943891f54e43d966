import { describe, expect, it } from 'vitest';
import {
  createGroupCommit,
  createHold,
  deduct,
  getBalances,
  InsufficientCreditsError,
  issueGrant,
  releaseHold,
} from '../../src/ledger/index.js';
import { createRechargeObserver } from '../../src/payments/recharge-trigger.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';

/** Edges of the ledger's decisions: what a refusal leaves behind, and amounts near the largest int8. */
const f = useLedgerFixture();

async function available(accountId: string, creditType: string) {
  const balance = await getBalances(f.deps.db, accountId, f.clock.now());
  return balance.balances.find((b) => b.creditType === creditType);
}

describe('a refusal writes nothing', () => {
  const balanceRows = async (accountIds: string[]) =>
    f.deps.db.selectFrom('balances').select(['account_id', 'credit_type']).where('account_id', 'in', accountIds).execute();

  it('a 402 deduct or hold of an account, or a pool, with no balance row yet leaves no balance row', async () => {
    const lone = await newAccount(f.deps);
    const parent = await newAccount(f.deps);
    const child = await newAccount(f.deps, { parentId: parent });
    for (const accountId of [lone, child]) {
      await expect(deduct(f.deps, { accountId, creditType: 'storage', amount: '1' }, actor)).rejects.toBeInstanceOf(
        InsufficientCreditsError,
      );
      await expect(
        deduct(f.deps, { accountId, creditType: 'storage', amount: '1' }, { ...actor, idempotencyKey: 'refused' }),
      ).rejects.toBeInstanceOf(InsufficientCreditsError);
      await expect(createHold(f.deps, { accountId, creditType: 'storage', amount: '1' }, actor)).rejects.toBeInstanceOf(
        InsufficientCreditsError,
      );
    }
    // Group-committed: a batch of refusals.
    const grouped = { ...f.deps, groupCommit: createGroupCommit() };
    const batch = await Promise.allSettled(
      [1, 2, 3].map((n) => deduct(grouped, { accountId: child, creditType: 'storage', amount: String(n) }, actor)),
    );
    expect(batch.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(grouped.groupCommit.stats.largest).toBe(3);
    expect(await balanceRows([lone, parent, child])).toEqual([]);
  });

  it('a batch where some deducts are refused: the accepted ones create the rows they post to, the refused ones nothing', async () => {
    const parent = await newAccount(f.deps);
    const child = await newAccount(f.deps, { parentId: parent });
    await issueGrant(f.deps, { accountId: parent, creditType: 'storage', amount: '3', source: 'purchase' }, actor);
    const grouped = { ...f.deps, groupCommit: createGroupCommit() };
    const batch = await Promise.allSettled(
      [5, 2, 5].map((n) => deduct(grouped, { accountId: child, creditType: 'storage', amount: String(n) }, actor)),
    );
    expect(batch.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected']);
    // The accepted deduct created the rows of its chain before posting (the burn is on the parent).
    expect((await balanceRows([parent, child])).map((r) => r.account_id).sort()).toEqual([child, parent].sort());
    expect((await available(child, 'storage'))?.available).toBe('1');
  });
});

describe('amounts at the edge of int8', () => {
  const max = '9223372036854775807';

  it('an overdraft limit of the largest amount: deducts and holds still decide without overflowing', async () => {
    const acct = await newAccount(f.deps, { overdraftLimit: { storage: max } });
    await issueGrant(f.deps, { accountId: acct, creditType: 'storage', amount: '5', source: 'purchase' }, actor);
    const r = await deduct(f.deps, { accountId: acct, creditType: 'storage', amount: '1' }, actor);
    expect(r).toMatchObject({ deducted: '1', balance: { available: '4', overdraftUsed: '0' } });
    const hold = await createHold(f.deps, { accountId: acct, creditType: 'storage', amount: '4', ttlSeconds: null }, actor);
    expect(hold.amount).toBe('4');
    const over = await deduct(f.deps, { accountId: acct, creditType: 'storage', amount: '5' }, actor);
    expect(over).toMatchObject({ deducted: '5', balance: { available: '-5', overdraftUsed: '5' } });
    await expect(deduct(f.deps, { accountId: acct, creditType: 'storage', amount: max }, actor)).rejects.toMatchObject({
      code: 'insufficient_credits',
      available: '-5',
      shortfall: '5',
    });
    // Within the limit, but the account's lifetime burned total (an int8) would pass the largest amount: a field error, nothing written.
    await expect(deduct(f.deps, { accountId: acct, creditType: 'storage', amount: '9223372036854775802' }, actor)).rejects.toMatchObject({
      code: 'validation_failed',
      fieldErrors: [expect.objectContaining({ path: 'amount' })],
    });
    expect((await available(acct, 'storage'))?.available).toBe('-5');
  });

  it("a grant that would take the account's balance or lifetime total past int8 is a field error, not a server error", async () => {
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'storage', amount: max, source: 'purchase' }, actor);
    await expect(
      issueGrant(f.deps, { accountId: acct, creditType: 'storage', amount: '1', source: 'purchase' }, actor),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      fieldErrors: [expect.objectContaining({ path: 'amount' })],
    });
  });

  it('a pool whose grants add up to more than int8: deduct, hold and the recharge observer sum without overflowing', async () => {
    const parent = await newAccount(f.deps);
    const child = await newAccount(f.deps, { parentId: parent });
    for (const accountId of [parent, child]) {
      await issueGrant(f.deps, { accountId, creditType: 'storage', amount: max, source: 'purchase' }, actor);
    }
    await f.deps.db
      .insertInto('recharge_settings')
      .values({
        account_id: parent,
        credit_type: 'storage',
        enabled: true,
        threshold: 1n,
        bundle_id: 'b',
        quantity: 1,
        monthly_cap_minor: 0n,
        currency: 'usd',
        updated_at: new Date(),
      })
      .execute();
    const deps = { ...f.deps, observers: [createRechargeObserver()] };
    const r = await deduct(deps, { accountId: child, creditType: 'storage', amount: '1' }, actor);
    expect(r.balance.available).toBe('18446744073709551613');
    const hold = await createHold(deps, { accountId: child, creditType: 'storage', amount: max, ttlSeconds: null }, actor);
    expect(hold.amount).toBe(max);
    await releaseHold(deps, hold.id, actor);
  });
});

describe('text PostgreSQL cannot store', () => {
  const lone = 'x\udc00y';
  const high = '\ud800';

  it('a lone UTF-16 surrogate or a NUL in any text field is a field error naming the field, and writes nothing', async () => {
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'storage', amount: '10', source: 'purchase' }, actor);
    const input = { accountId: acct, creditType: 'storage', amount: '1' };
    const cases: [string, () => Promise<unknown>][] = [
      ['reason', () => deduct(f.deps, input, { ...actor, reason: lone })],
      ['feature', () => deduct(f.deps, input, { ...actor, feature: high })],
      ['actor', () => deduct(f.deps, input, { actor: `a${lone}` })],
      ['usageEventId', () => deduct(f.deps, input, { ...actor, usageEventId: lone })],
      ['idempotencyKey', () => deduct(f.deps, input, { ...actor, idempotencyKey: 'k\u0000' })],
      ['ownerRef', () => createHold(f.deps, { ...input, ownerRef: lone }, actor)],
      ['metadata.note', () => issueGrant(f.deps, { ...input, source: 'promo', metadata: { note: lone } }, actor)],
      [`metadata.${high}`, () => issueGrant(f.deps, { ...input, source: 'promo', metadata: { [high]: 'key' } }, actor)],
    ];
    for (const [path, run] of cases) {
      await expect(run(), path).rejects.toMatchObject({
        code: 'validation_failed',
        fieldErrors: [expect.objectContaining({ path, code: 'invalid_text' })],
      });
    }
    // Group-committed with well-formed requests: only the ill-formed one is refused.
    const grouped = { ...f.deps, groupCommit: createGroupCommit() };
    const batch = await Promise.allSettled([actor, { ...actor, reason: lone }, actor].map((meta) => deduct(grouped, input, meta)));
    expect(batch.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await available(acct, 'storage'))?.available).toBe('8');
  });
});
