import { sql } from 'kysely';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createDatabase } from '../../src/db/database.js';
import { createGroupCommit, deduct, getCreditType, issueGrant } from '../../src/ledger/index.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { holdingBalanceRow, untilLedgerCallsWaitOnALock } from '../helpers/locks.js';

/**
 * What group commit does when a batch fails, each path forced
 * deterministically: a second connection holds the account's balance row, so
 * the batch is seen waiting (test/helpers/locks.ts), then the batch's backend
 * is cancelled or terminated.
 */
const f = useLedgerFixture();

async function signalBatchBackend(signal: 'pg_cancel_backend' | 'pg_terminate_backend'): Promise<void> {
  const { rows } = await sql<{ ok: boolean }>`
    select ${sql.raw(signal)}(pid) as ok from pg_stat_activity
    where datname = current_database() and state = 'active' and query like 'select ledger_execute_batch(%'`.execute(f.deps.db);
  expect(rows.map((r) => r.ok)).toEqual([true]);
}

async function ledgerTransactions(accountId: string): Promise<(string | null)[]> {
  const rows = await f.deps.db
    .selectFrom('ledger_transactions')
    .select('idempotency_key')
    .where('account_id', '=', accountId)
    .where('kind', '=', 'deduct')
    .execute();
  return rows.map((r) => r.idempotency_key).sort();
}

/**
 * Three deducts of one account started in one turn: one batch, which waits on
 * the held balance row. Over a pool of their own: a terminated session's
 * client goes back to its pool, whose next query would fail.
 */
async function blockedBatch(accountId: string, keys: string[]) {
  const db = createDatabase({ connectionString: f.database.url, poolSize: 2, applicationName: 'test-batch-failures' });
  onTestFinished(() => db.destroy());
  const deps = { ...f.deps, db, groupCommit: createGroupCommit() };
  await getCreditType(deps.db, 'storage'); // cached, so all three reach the queue in one turn
  const answers = keys.map((key) =>
    deduct(deps, { accountId, creditType: 'storage', amount: '1' }, { ...actor, idempotencyKey: key }).then(
      (r) => r,
      (e: unknown) => e as Error,
    ),
  );
  await untilLedgerCallsWaitOnALock(f.deps.db);
  expect(deps.groupCommit.stats).toMatchObject({ transactions: 1, largest: 3 });
  return { deps, answers };
}

async function fundedAccount() {
  const acct = await newAccount(f.deps);
  await issueGrant(f.deps, { accountId: acct, creditType: 'storage', amount: '10', source: 'purchase' }, actor);
  return acct;
}

describe('group commit when a batch fails', () => {
  it('the server cancels the batch (57014, rolled back): each operation runs again alone and succeeds', async () => {
    const acct = await fundedAccount();
    const blocker = await holdingBalanceRow(f.database.url, acct, 'storage');
    try {
      const { deps, answers } = await blockedBatch(acct, ['c-0', 'c-1', 'c-2']);
      await signalBatchBackend('pg_cancel_backend');
      // Run again alone, one at a time: the first of them now waits on the row.
      await untilLedgerCallsWaitOnALock(f.deps.db);
      await blocker.query('commit');
      expect((await Promise.all(answers)).map((r) => (r as { deducted?: string }).deducted)).toEqual(['1', '1', '1']);
      expect(deps.groupCommit.stats).toMatchObject({ transactions: 1, rerunAlone: 1, unanswered: 0 });
      expect(await ledgerTransactions(acct)).toEqual(['c-0', 'c-1', 'c-2']);
    } finally {
      await blocker.end();
    }
  });

  it('the batch backend is terminated (57P01, the session is gone): nothing is run again, every caller hears it, a retry with its key runs once', async () => {
    const acct = await fundedAccount();
    const blocker = await holdingBalanceRow(f.database.url, acct, 'storage');
    try {
      const { deps, answers } = await blockedBatch(acct, ['t-0', 't-1', 't-2']);
      await signalBatchBackend('pg_terminate_backend');
      expect((await Promise.all(answers)).map((e) => (e as { code?: string }).code)).toEqual(['57P01', '57P01', '57P01']);
      expect(deps.groupCommit.stats).toMatchObject({ transactions: 1, rerunAlone: 0, unanswered: 1 });
      await blocker.query('commit');
      // Nothing of the batch committed (it was waiting when its session ended); the callers' retries run it, once.
      expect(await ledgerTransactions(acct)).toEqual([]);
      for (const key of ['t-0', 't-1', 't-2', 't-0']) {
        await deduct(f.deps, { accountId: acct, creditType: 'storage', amount: '1' }, { ...actor, idempotencyKey: key });
      }
      expect(await ledgerTransactions(acct)).toEqual(['t-0', 't-1', 't-2']);
    } finally {
      await blocker.end();
    }
  });
});
