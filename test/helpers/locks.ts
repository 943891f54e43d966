import { sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../../src/db/database.js';

/**
 * Forcing an interleaving one way: a second connection holds a balance row,
 * the ledger call under test is seen waiting on it, the rival change runs,
 * then the lock is let go.
 */

/** A second connection holding an account's balance row in an open transaction, as a transaction of another process would. */
export async function holdingBalanceRow(url: string, accountId: string, creditType: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('begin');
  await client.query('select 1 from balances where account_id = $1 and credit_type = $2 for update', [accountId, creditType]);
  return client;
}

/** Waits until at least `count` ledger calls (ledger_execute or ledger_execute_batch) of this database wait on a lock. */
export async function untilLedgerCallsWaitOnALock(db: Database, count = 1): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock' and query like '%ledger_execute%'`.execute(db);
    if (rows[0]!.n >= count) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`fewer than ${count} ledger calls waited on a lock`);
}
