import { describe, expect, it } from 'vitest';
import { createHold, deduct, issueGrant, updateAccount } from '../../src/ledger/index.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { holdingBalanceRow, untilLedgerCallsWaitOnALock } from '../helpers/locks.js';

/** Interleavings forced one way, deterministically (test/helpers/locks.ts). */
const f = useLedgerFixture();

describe('an account moved to another pool while its operation waits for the balance lock', () => {
  for (const kind of ['deduct', 'hold'] as const) {
    it(`a ${kind} that waited while its account moved draws on the new pool, not the old one`, async () => {
      const [oldParent, newParent] = [await newAccount(f.deps), await newAccount(f.deps)];
      const child = await newAccount(f.deps, { parentId: oldParent });
      for (const accountId of [oldParent, newParent]) {
        await issueGrant(f.deps, { accountId, creditType: 'storage', amount: '10', source: 'purchase' }, actor);
      }
      // The child's own balance row exists (an earlier deduct from the old pool), so nothing is created on the way.
      await deduct(f.deps, { accountId: child, creditType: 'storage', amount: '1' }, actor);
      // The old parent's row is locked, as by a deduct of the old pool in flight.
      const blocker = await holdingBalanceRow(f.database.url, oldParent, 'storage');
      try {
        const input = { accountId: child, creditType: 'storage', amount: '4', ttlSeconds: null };
        const pending = (kind === 'deduct' ? deduct(f.deps, input, actor) : createHold(f.deps, input, actor)).then((r) => r.transactionId);
        await untilLedgerCallsWaitOnALock(f.deps.db);
        await updateAccount(f.deps.db, child, { parentId: newParent });
        await blocker.query('commit');
        const transactionId = await pending;
        const entries = await f.deps.db
          .selectFrom('ledger_entries')
          .select(['account_id', 'amount'])
          .where('transaction_id', '=', transactionId)
          .execute();
        expect(entries).toEqual([{ account_id: newParent, amount: 4n }]);
      } finally {
        await blocker.end();
      }
    });
  }
});
