import { describe, expect, it } from 'vitest';
import {
  commitHold,
  createHold,
  deduct,
  expireGrant,
  getBalances,
  InsufficientCreditsError,
  issueGrant,
  refundBurn,
  releaseHold,
  voidGrant,
} from '../../src/ledger/index.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const hours = (n: number) => n * 3_600_000;

async function available(accountId: string, creditType = 'ai') {
  const balance = await getBalances(f.deps.db, accountId, f.clock.now());
  return balance.balances.find((b) => b.creditType === creditType);
}

describe('burn order', () => {
  it('burns by priority, then soonest expiry (never-expiring last), then oldest, one entry per grant', async () => {
    const acct = await newAccount(f.deps);
    const now = f.clock.now();
    const purchase = await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '10', source: 'purchase' }, actor);
    const neverExpires = await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '10', source: 'promo' }, actor);
    const late = await issueGrant(
      f.deps,
      { accountId: acct, creditType: 'ai', amount: '10', source: 'promo', expiresAt: new Date(now.getTime() + hours(48)) },
      actor,
    );
    const soon = await issueGrant(
      f.deps,
      { accountId: acct, creditType: 'ai', amount: '10', source: 'promo', expiresAt: new Date(now.getTime() + hours(24)) },
      actor,
    );
    const result = await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '25' }, actor);
    expect(result.deducted).toBe('25.00');
    const entries = await f.deps.db
      .selectFrom('ledger_entries')
      .select(['grant_id', 'amount', 'balance_before', 'balance_after', 'transaction_id'])
      .where('transaction_id', '=', result.transactionId)
      .orderBy('id')
      .execute();
    expect(entries.map((e) => [e.grant_id, e.amount])).toEqual([
      [soon.id, 1000n],
      [late.id, 1000n],
      [neverExpires.id, 500n],
    ]);
    expect(entries.map((e) => [e.balance_before, e.balance_after])).toEqual([
      [4000n, 3000n],
      [3000n, 2000n],
      [2000n, 1500n],
    ]);
    const b = await available(acct);
    expect(b?.available).toBe('15.00');
    expect(b?.grants.map((g) => g.id)).toEqual([neverExpires.id, purchase.id]);
  });

  it('skips grants that are not yet effective or already past expiry', async () => {
    const acct = await newAccount(f.deps);
    const now = f.clock.now();
    await issueGrant(
      f.deps,
      { accountId: acct, creditType: 'ai', amount: '5', source: 'promo', effectiveAt: new Date(now.getTime() + hours(1)) },
      actor,
    );
    await issueGrant(
      f.deps,
      { accountId: acct, creditType: 'ai', amount: '5', source: 'promo', expiresAt: new Date(now.getTime() + 1000) },
      actor,
    );
    f.clock.advance(2000);
    await expect(deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '1' }, actor)).rejects.toBeInstanceOf(
      InsufficientCreditsError,
    );
    const b = await available(acct);
    expect(b?.available).toBe('0.00');
    expect(b?.pending).toBe('5.00');
  });
});

describe('amounts', () => {
  it('rejects more decimals than the precision, and zero or negative amounts', async () => {
    const acct = await newAccount(f.deps);
    await expect(issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '1.005', source: 'promo' }, actor)).rejects.toMatchObject({
      code: 'validation_failed',
      fieldErrors: [{ path: 'amount', code: 'too_many_decimals' }],
    });
    await expect(
      issueGrant(f.deps, { accountId: acct, creditType: 'storage', amount: '1.5', source: 'promo' }, actor),
    ).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await expect(deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '0' }, actor)).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await expect(deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '-1' }, actor)).rejects.toMatchObject({
      code: 'validation_failed',
    });
    // Trailing zeros beyond the precision are exact, so accepted.
    const grant = await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '1.500', source: 'promo' }, actor);
    expect(grant.amount).toBe('1.50');
  });
});

describe('partial fulfilment and overdraft', () => {
  it('100 asked with 75 available: 402 by default, 75 burned with allowPartial', async () => {
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '75', source: 'purchase' }, actor);
    const refused = await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '100' }, actor).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InsufficientCreditsError);
    expect(refused).toMatchObject({ available: '75.00', requested: '100.00', shortfall: '25.00' });
    expect((await available(acct))?.available).toBe('75.00');
    const partial = await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '100', allowPartial: true }, actor);
    expect(partial).toMatchObject({ requested: '100.00', deducted: '75.00', balance: { available: '0.00' } });
  });

  it('runs into the overdraft limit and no further; a new grant pays the debt first', async () => {
    const acct = await newAccount(f.deps, { overdraftLimit: { ai: '10' } });
    await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '5', source: 'purchase' }, actor);
    const r = await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '12' }, actor);
    expect(r.balance).toEqual({ available: '-7.00', overdraftUsed: '7.00' });
    await expect(deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '4' }, actor)).rejects.toMatchObject({
      shortfall: '1.00',
    });
    await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '10', source: 'purchase' }, actor);
    const b = await available(acct);
    expect(b).toMatchObject({ available: '3.00', overdraftUsed: '0.00' });
  });
});

describe('pooling', () => {
  it('a child burns its own grants first, then the parent pool', async () => {
    const parent = await newAccount(f.deps);
    const child = await newAccount(f.deps, { parentId: parent });
    const parentGrant = await issueGrant(f.deps, { accountId: parent, creditType: 'ai', amount: '50', source: 'purchase' }, actor);
    const childGrant = await issueGrant(f.deps, { accountId: child, creditType: 'ai', amount: '10', source: 'purchase' }, actor);
    expect((await available(child))?.available).toBe('60.00');
    const r = await deduct(f.deps, { accountId: child, creditType: 'ai', amount: '15' }, actor);
    const entries = await f.deps.db
      .selectFrom('ledger_entries')
      .select(['account_id', 'grant_id', 'amount', 'initiator_account_id'])
      .where('transaction_id', '=', r.transactionId)
      .orderBy('id')
      .execute();
    expect(entries).toEqual([
      { account_id: child, grant_id: childGrant.id, amount: 1000n, initiator_account_id: child },
      { account_id: parent, grant_id: parentGrant.id, amount: 500n, initiator_account_id: child },
    ]);
    expect((await available(parent))?.available).toBe('45.00');
  });
});

describe('holds', () => {
  it('reduce available; commit burns the actual amount and releases the rest', async () => {
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '100', source: 'purchase' }, actor);
    const hold = await createHold(f.deps, { accountId: acct, creditType: 'ai', amount: '30' }, actor);
    expect(await available(acct)).toMatchObject({ available: '70.00', held: '30.00', total: '100.00' });
    await expect(commitHold(f.deps, hold.id, '31', actor)).rejects.toMatchObject({ code: 'commit_exceeds_hold' });
    const committed = await commitHold(f.deps, hold.id, '12.5', actor);
    expect(committed).toMatchObject({ status: 'committed', committedAmount: '12.50' });
    expect(await available(acct)).toMatchObject({ available: '87.50', held: '0.00' });
    await expect(releaseHold(f.deps, hold.id, actor)).rejects.toMatchObject({ code: 'hold_not_active' });
  });

  it('a hold past its TTL cannot be committed', async () => {
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '10', source: 'purchase' }, actor);
    const hold = await createHold(f.deps, { accountId: acct, creditType: 'ai', amount: '5', ttlSeconds: 60 }, actor);
    f.clock.advance(61_000);
    await expect(commitHold(f.deps, hold.id, undefined, actor)).rejects.toMatchObject({ code: 'hold_expired' });
    await releaseHold(f.deps, hold.id, actor);
    expect((await available(acct))?.available).toBe('10.00');
  });

  it('keeps its credits when the grant expires under it; released credits then expire', async () => {
    const acct = await newAccount(f.deps);
    await issueGrant(
      f.deps,
      { accountId: acct, creditType: 'ai', amount: '10', source: 'promo', expiresAt: new Date(f.clock.now().getTime() + 60_000) },
      actor,
    );
    const hold = await createHold(f.deps, { accountId: acct, creditType: 'ai', amount: '8', ttlSeconds: null }, actor);
    f.clock.advance(120_000);
    const closed = await commitHold(f.deps, hold.id, '3', actor);
    expect(closed.status).toBe('committed');
    const b = await available(acct);
    expect(b).toMatchObject({ available: '0.00', held: '0.00', lifetime: { burned: '3.00', expired: '7.00' } });
  });
});

describe('refunds and voids', () => {
  it('returns credits to the grants they came from, never more than was burned', async () => {
    const acct = await newAccount(f.deps);
    const g = await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '20', source: 'purchase' }, actor);
    const burn = await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '15' }, actor);
    const first = await refundBurn(f.deps, { accountId: acct, transactionId: burn.transactionId, amount: '5' }, actor);
    expect(first).toMatchObject({ refunded: '5.00', remainingRefundable: '10.00' });
    await expect(refundBurn(f.deps, { accountId: acct, transactionId: burn.transactionId, amount: '10.01' }, actor)).rejects.toMatchObject({
      code: 'refund_exceeds_burn',
    });
    const rest = await refundBurn(f.deps, { accountId: acct, transactionId: burn.transactionId }, actor);
    expect(rest.refunded).toBe('10.00');
    await expect(refundBurn(f.deps, { accountId: acct, transactionId: burn.transactionId }, actor)).rejects.toMatchObject({
      code: 'nothing_to_refund',
    });
    const grants = await available(acct);
    expect(grants?.grants).toEqual([expect.objectContaining({ id: g.id, remaining: '20.00' })]);
  });

  it('refunds into a new refund grant when the source grant has expired', async () => {
    const acct = await newAccount(f.deps);
    await issueGrant(
      f.deps,
      { accountId: acct, creditType: 'ai', amount: '10', source: 'promo', expiresAt: new Date(f.clock.now().getTime() + 1000) },
      actor,
    );
    const burn = await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '4' }, actor);
    f.clock.advance(5000);
    await refundBurn(f.deps, { accountId: acct, transactionId: burn.transactionId }, actor);
    const b = await available(acct);
    expect(b?.grants).toEqual([expect.objectContaining({ source: 'refund', remaining: '4.00' })]);
  });

  it("a pool child's burn of an expired parent grant refunds once: repeated refunds are refused", async () => {
    const parent = await newAccount(f.deps);
    const child = await newAccount(f.deps, { parentId: parent });
    const promo = await issueGrant(
      f.deps,
      { accountId: parent, creditType: 'ai', amount: '10', source: 'promo', expiresAt: new Date(f.clock.now().getTime() + 60_000) },
      actor,
    );
    const burn = await deduct(f.deps, { accountId: child, creditType: 'ai', amount: '10' }, actor);
    f.clock.advance(120_000);
    await expireGrant(f.deps, promo.id, actor);
    // The refund's entries (and its refund grant) are on the parent, its ledger transaction on the child.
    const first = await refundBurn(f.deps, { accountId: child, transactionId: burn.transactionId }, actor);
    expect(first).toMatchObject({ refunded: '10.00', remainingRefundable: '0.00' });
    for (let i = 0; i < 4; i++) {
      await expect(refundBurn(f.deps, { accountId: child, transactionId: burn.transactionId }, actor)).rejects.toMatchObject({
        code: 'nothing_to_refund',
      });
    }
    await expect(refundBurn(f.deps, { accountId: child, transactionId: burn.transactionId, amount: '0.01' }, actor)).rejects.toMatchObject({
      code: 'refund_exceeds_burn',
    });
    expect((await available(child))?.available).toBe('10.00');
  });

  it('void takes what remains of a grant with a compensating entry', async () => {
    const acct = await newAccount(f.deps);
    const g = await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '10', source: 'support' }, actor);
    await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '3' }, actor);
    const voided = await voidGrant(f.deps, g.id, actor);
    expect(voided).toMatchObject({ status: 'voided', remaining: '0.00' });
    expect(await available(acct)).toMatchObject({ available: '0.00', lifetime: { voided: '7.00', burned: '3.00' } });
    await expect(voidGrant(f.deps, g.id, actor)).rejects.toMatchObject({ code: 'grant_not_active' });
  });
});

describe('append-only ledger', () => {
  it('the database rejects UPDATE and DELETE of ledger entries', async () => {
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '1', source: 'promo' }, actor);
    await expect(f.deps.db.updateTable('ledger_entries').set({ amount: 999n }).where('account_id', '=', acct).execute()).rejects.toThrow(
      /append-only/,
    );
    await expect(f.deps.db.deleteFrom('ledger_entries').where('account_id', '=', acct).execute()).rejects.toThrow(/append-only/);
  });
});
