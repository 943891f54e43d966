import { sql } from 'kysely';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFinanceActivities } from '../../activities/finance.js';
import { fileAdapter } from '../../src/finance/adapters/file.js';
import { freezePeriod, recordCloseStarted } from '../../src/finance/close.js';
import { useLedgerFixture } from '../helpers/ledger.js';
import { day, januaryScenario } from './helpers.js';

describe('month-end close: the statement identity of every account (R-A2)', () => {
  const f = useLedgerFixture();

  it('reports a chain whose entries no longer add up (a superuser edited one) as a statement discrepancy', async () => {
    const { a } = await januaryScenario(f.deps, f.clock);
    const db = f.database.db;
    const activities = createFinanceActivities({
      ledger: f.deps,
      finance: {
        accountsFile: 'accounting/accounts.yaml',
        fxRatesFile: 'accounting/fx-rates.yaml',
        adapter: fileAdapter(await mkdtemp(join(tmpdir(), 'close-statements-'))),
        lateEventWindowMs: 0,
      },
    });
    const close = async (period: string, frozenAt: string) => {
      await recordCloseStarted(db, {
        period,
        workflowId: `close-${period}`,
        startedBy: 'alice',
        startedAt: day(frozenAt),
        lateEventsUntil: day(frozenAt),
      });
      await freezePeriod(db, period, day(frozenAt), 'alice');
      await activities.computeCloseJournal(period, day(frozenAt).toISOString());
      return db.selectFrom('finance_reconciliations').selectAll().where('id', '=', `recon_close_${period}`).executeTakeFirstOrThrow();
    };

    // A January burn of account a, its amount changed behind the append-only trigger: the entry
    // no longer moves the balance it records, so January's movements miss the closing by 1 unit.
    const victim = await db
      .selectFrom('ledger_entries')
      .select(['id', 'amount', 'credit_type'])
      .where('account_id', '=', a)
      .where('entry_type', '=', 'burn')
      .where('created_at', '<', day('2026-02-01'))
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const setAmount = (amount: bigint) =>
      db.connection().execute(async (conn) => {
        await sql`alter table ledger_entries disable trigger ledger_entries_append_only`.execute(conn);
        try {
          await sql`update ledger_entries set amount = ${amount} where account_id = ${a} and id = ${victim.id}`.execute(conn);
        } finally {
          await sql`alter table ledger_entries enable trigger ledger_entries_append_only`.execute(conn);
        }
      });
    await setAmount(victim.amount + 1n);
    try {
      const report = await close('2026-01', '2026-02-08');
      expect(report.status).toBe('discrepancies');
      expect(report.discrepancies).toEqual([
        expect.objectContaining({ kind: 'statement', period: '2026-01', accountId: a, creditType: victim.credit_type }),
      ]);
      expect((report.discrepancies as { detail: string }[])[0]!.detail).toMatch(/≠ closing/);
      const event = await db
        .selectFrom('outbox_events')
        .selectAll()
        .where('id', '=', 'finance.reconciliation.discrepancies:recon_close_2026-01')
        .executeTakeFirst();
      expect(event?.payload).toMatchObject({ reconciliationId: 'recon_close_2026-01', count: 1 });
    } finally {
      await setAmount(victim.amount);
    }

    // The ledger as written: February's close finds every account's statement adds up.
    const february = await close('2026-02', '2026-03-08');
    expect(february).toMatchObject({ status: 'ok', discrepancies: [] });
  });
});
