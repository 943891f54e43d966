import pg from 'pg';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createHold, deduct, issueGrant, updateAccount } from '../../src/ledger/index.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';

/**
 * Interleavings forced one way, deterministically: a second connection holds
 * a row lock, the operation under test is seen waiting on it (pg_stat_activity),
 * the rival change commits, then the lock is let go.
 */
const f = useLedgerFixture();

async function waitUntilLedgerCallWaitsOnALock(): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock' and query like '%ledger_execute(%'`.execute(f.deps.db);
    if (rows[0]!.n > 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the ledger call never waited on the lock');
}

async function holdingBalanceRow(accountId: string, creditType: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: f.database.url });
  await client.connect();
  await client.query('begin');
  await client.query('select 1 from balances where account_id = $1 and credit_type = $2 for update', [accountId, creditType]);
  return client;
}

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
      const blocker = await holdingBalanceRow(oldParent, 'storage');
      try {
        const input = { accountId: child, creditType: 'storage', amount: '4', ttlSeconds: null };
        const pending = (kind === 'deduct' ? deduct(f.deps, input, actor) : createHold(f.deps, input, actor)).then((r) => r.transactionId);
        await waitUntilLedgerCallWaitsOnALock();
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
