import { sql } from 'kysely';
import { writeAudit } from '../audit/audit-log.js';
import type { Database } from '../db/database.js';
import { loadChart, loadFxRates } from './chart.js';
import { buildJournal, isBalanced, journalBalances, type JournalLine } from './journal.js';
import { parsePeriod } from './periods.js';
import { computeRevenue, type RevenueReport } from './revenue.js';

/**
 * The steps of month-end close (R-I3) up to the computed journal, as plain
 * functions over the database (approval and posting: close-posting.ts);
 * activities call them, each idempotent so a retried or re-run step lands once.
 */

export interface CloseStart {
  period: string;
  workflowId: string;
  startedBy: string;
  startedAt: Date;
  lateEventsUntil: Date;
}

/** Persists that a close started; a second start of the same period keeps the first record. */
export async function recordCloseStarted(db: Database, start: CloseStart): Promise<void> {
  await db
    .insertInto('finance_periods')
    .values({
      period: start.period,
      status: 'waiting_late_events',
      workflow_id: start.workflowId,
      started_by: start.startedBy,
      started_at: start.startedAt,
      late_events_until: start.lateEventsUntil,
      updated_at: start.startedAt,
    })
    .onConflict((oc) => oc.column('period').doNothing())
    .execute();
}

/**
 * Freezes the period: a row in consumption's `closed_periods`, so usage that
 * arrives later adjusts the next open period. The first freeze wins; a re-run
 * keeps its instant, and with it the same journal.
 */
export async function freezePeriod(db: Database, periodId: string, at: Date, by: string): Promise<Date> {
  const period = parsePeriod(periodId);
  return db.transaction().execute(async (tx) => {
    await tx
      .insertInto('closed_periods')
      .values({ period_start: period.start, period_end: period.end, closed_at: at, closed_by: by })
      .onConflict((oc) => oc.column('period_start').doNothing())
      .execute();
    const row = await tx
      .selectFrom('closed_periods')
      .select('closed_at')
      .where('period_start', '=', period.start)
      .executeTakeFirstOrThrow();
    const updated = await tx
      .updateTable('finance_periods')
      .set({
        frozen_at: row.closed_at,
        status: sql`case when status = 'waiting_late_events' then 'frozen' else status end`,
        updated_at: at,
      })
      .where('period', '=', periodId)
      .where('frozen_at', 'is', null)
      .executeTakeFirst();
    if (updated.numUpdatedRows > 0n) {
      await writeAudit(tx, {
        actor: by,
        action: 'finance.period.freeze',
        targetType: 'period',
        targetId: periodId,
        after: { frozenAt: row.closed_at },
        occurredAt: at,
      });
    }
    return row.closed_at;
  });
}

/** Reporting rates of a period: set through the API first, then the file's period, then its default. */
export async function resolveRates(db: Database, fxRatesFile: string, periodId: string): Promise<Record<string, string>> {
  const config = await loadFxRates(fxRatesFile);
  const stored = await db.selectFrom('finance_fx_rates').select(['currency', 'rate']).where('period', '=', periodId).execute();
  return { ...config.default, ...(config.periods[periodId] ?? {}), ...Object.fromEntries(stored.map((r) => [r.currency, r.rate])) };
}

export interface ComputedClose {
  report: RevenueReport;
  lines: JournalLine[];
}

export class UnbalancedJournalError extends Error {
  constructor(readonly period: string) {
    super(`The journal of ${period} does not balance; nothing was stored`);
    this.name = 'UnbalancedJournalError';
  }
}

/** Revenue recognition and the journal of a frozen period, without storing anything. */
export async function computeClose(
  db: Database,
  files: { accountsFile: string; fxRatesFile: string },
  periodId: string,
): Promise<ComputedClose> {
  const period = parsePeriod(periodId);
  const frozen = await db.selectFrom('closed_periods').select('closed_at').where('period_start', '=', period.start).executeTakeFirst();
  if (!frozen) throw new Error(`${periodId} is not frozen yet`);
  const report = await computeRevenue(db, period, frozen.closed_at);
  const chart = await loadChart(files.accountsFile);
  const lines = buildJournal(report, chart, await resolveRates(db, files.fxRatesFile, periodId));
  if (!isBalanced(lines)) throw new UnbalancedJournalError(periodId);
  return { report, lines };
}

export function totalsJson(computed: ComputedClose) {
  const s = (v: bigint) => v.toString();
  return {
    frozenAt: computed.report.frozenAt.toISOString(),
    purchased: computed.report.currencies.map((c) => ({
      currency: c.currency,
      openingDeferredMinor: s(c.openingDeferred),
      soldMinor: s(c.sold),
      recognizedMinor: s(c.recognized),
      breakageMinor: s(c.breakage),
      voidedMinor: s(c.voided),
      closingDeferredMinor: s(c.closingDeferred),
    })),
    zeroCostBasis: computed.report.zeroBasis.map((z) => ({
      source: z.source,
      creditType: z.creditType,
      grantedUnits: s(z.granted),
      consumedUnits: s(z.consumed),
      expiredUnits: s(z.expired),
      voidedUnits: s(z.voided),
    })),
    unfundedUnits: Object.fromEntries(Object.entries(computed.report.unfundedCredits).map(([k, v]) => [k, s(v)])),
    balances: journalBalances(computed.lines).map((b) => ({ currency: b.currency, debitsMinor: s(b.debits), creditsMinor: s(b.credits) })),
    lineCount: computed.lines.length,
  };
}

/** Stores the journal and usage summary of a period (replacing an earlier computation of the same freeze). */
export async function storeClose(db: Database, computed: ComputedClose, at: Date): Promise<ReturnType<typeof totalsJson>> {
  const periodId = computed.report.period;
  const totals = totalsJson(computed);
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('finance_journal_lines').where('period', '=', periodId).execute();
    await tx.deleteFrom('finance_usage_summary').where('period', '=', periodId).execute();
    if (computed.lines.length > 0) {
      await tx
        .insertInto('finance_journal_lines')
        .values(
          computed.lines.map((l) => ({
            period: periodId,
            line_id: l.lineId,
            position: l.position,
            entry_kind: l.entryKind,
            account_code: l.accountCode,
            account_name: l.accountName,
            currency: l.currency,
            debit_minor: l.debit,
            credit_minor: l.credit,
            reporting_currency: l.reportingCurrency,
            rate: l.rate,
            reporting_debit_minor: l.reportingDebit,
            reporting_credit_minor: l.reportingCredit,
            credit_type: l.creditType,
            feature: l.feature,
            memo: l.memo,
          })),
        )
        .execute();
    }
    for (let i = 0; i < computed.report.usage.length; i += 1000) {
      await tx
        .insertInto('finance_usage_summary')
        .values(
          computed.report.usage.slice(i, i + 1000).map((u) => ({
            period: periodId,
            customer_id: u.customerId,
            feature: u.feature,
            credit_type: u.creditType,
            currency: u.currency,
            credits_burned: u.credits,
            revenue_minor: u.revenue,
          })),
        )
        .execute();
    }
    await tx
      .updateTable('finance_periods')
      .set({
        totals: JSON.stringify(totals),
        computed_at: at,
        status: sql`case when status in ('waiting_late_events', 'frozen') then 'computed' else status end`,
        updated_at: at,
      })
      .where('period', '=', periodId)
      .execute();
  });
  return totals;
}

export async function readJournal(db: Database, periodId: string): Promise<JournalLine[]> {
  const rows = await db.selectFrom('finance_journal_lines').selectAll().where('period', '=', periodId).orderBy('position').execute();
  return rows.map((r) => ({
    lineId: r.line_id,
    position: r.position,
    entryKind: r.entry_kind as JournalLine['entryKind'],
    accountCode: r.account_code,
    accountName: r.account_name,
    currency: r.currency,
    debit: r.debit_minor,
    credit: r.credit_minor,
    reportingCurrency: r.reporting_currency,
    rate: r.rate,
    reportingDebit: r.reporting_debit_minor,
    reportingCredit: r.reporting_credit_minor,
    creditType: r.credit_type,
    feature: r.feature,
    memo: r.memo,
  }));
}
