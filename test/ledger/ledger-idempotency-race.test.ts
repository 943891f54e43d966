import { describe, expect, it } from 'vitest';
import { createHold, deduct, IdempotencyConflictError, issueGrant } from '../../src/ledger/index.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { fulfilled, ledgerProbes, rejected } from '../helpers/ledger-probes.js';

/** Ledger-level idempotency keys under concurrency (moved unchanged from ledger-concurrency.test.ts). */
const f = useLedgerFixture();
const { balanceOf, ledgerState } = ledgerProbes(f);

describe('ledger-level idempotency', () => {
  const entriesWithKey = (accountId: string, key: string) =>
    f.deps.db
      .selectFrom('ledger_entries')
      .select(['transaction_id', 'entry_type', 'amount'])
      .where('account_id', '=', accountId)
      .where('idempotency_key', '=', key)
      .execute();
  const transactionsWithKey = (accountId: string, key: string) =>
    f.deps.db
      .selectFrom('ledger_transactions')
      .select('id')
      .where('account_id', '=', accountId)
      .where('idempotency_key', '=', key)
      .execute();

  it('the same key 50 times in a row: one ledger transaction, the same result every time', async () => {
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'storage', amount: '100', source: 'purchase' }, actor);
    const meta = { ...actor, idempotencyKey: 'idem-seq-1' };
    const first = await deduct(f.deps, { accountId: acct, creditType: 'storage', amount: '3' }, meta);
    for (let i = 1; i < 50; i++) {
      expect(await deduct(f.deps, { accountId: acct, creditType: 'storage', amount: '3' }, meta), `repeat ${i}`).toEqual(first);
    }
    expect(await transactionsWithKey(acct, meta.idempotencyKey)).toEqual([{ id: first.transactionId }]);
    expect(await entriesWithKey(acct, meta.idempotencyKey)).toEqual([
      { transaction_id: first.transactionId, entry_type: 'burn', amount: 3n },
    ]);
    expect(await balanceOf(acct)).toMatchObject({ available: '97' });
  });

  it('100 parallel deducts with one key execute once, and every caller gets that one result', async () => {
    // Exactly enough for one deduct: a duplicate that re-ran the deduct would
    // be refused (402) instead of getting the first result.
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'storage', amount: '5', source: 'purchase' }, actor);
    const meta = { ...actor, idempotencyKey: 'idem-par-1' };
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, () => deduct(f.deps, { accountId: acct, creditType: 'storage', amount: '5' }, meta)),
    );
    const failures = rejected(results);
    expect(failures.length, `${failures.length} duplicates failed, first: ${String(failures[0])}`).toBe(0);
    const ok = fulfilled(results);
    for (const r of ok) expect(r).toEqual(ok[0]);
    expect(ok[0]).toMatchObject({ deducted: '5', balance: { available: '0' } });
    expect(await transactionsWithKey(acct, meta.idempotencyKey)).toHaveLength(1);
    expect(await entriesWithKey(acct, meta.idempotencyKey)).toEqual([
      { transaction_id: ok[0]!.transactionId, entry_type: 'burn', amount: 5n },
    ]);
    expect((await ledgerState(acct)).row.burned).toBe(5n);
  });

  it('the same key with a different request is refused and changes nothing', async () => {
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'storage', amount: '100', source: 'purchase' }, actor);
    const meta = { ...actor, idempotencyKey: 'idem-conflict-1' };
    await deduct(f.deps, { accountId: acct, creditType: 'storage', amount: '3' }, meta);
    await expect(deduct(f.deps, { accountId: acct, creditType: 'storage', amount: '4' }, meta)).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
    // Another kind of operation under the same key is a different request too.
    await expect(createHold(f.deps, { accountId: acct, creditType: 'storage', amount: '3' }, meta)).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
    expect(await transactionsWithKey(acct, meta.idempotencyKey)).toHaveLength(1);
    expect(await balanceOf(acct)).toMatchObject({ available: '97', held: '0' });
  });
});
