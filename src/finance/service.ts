import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { writeAudit, type AuditContext } from '../audit/audit-log.js';
import { approveCloseUpdate, closeWorkflowId } from '../contracts/finance.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import type { LedgerDeps } from '../ledger/index.js';
import { quickBooksCsv, xeroCsv } from './adapters/csv.js';
import { journalJson } from './adapters/json.js';
import { readJournal } from './close.js';
import { listPeriods, type PeriodListItem } from './period-list.js';
import { parsePeriod } from './periods.js';
import { closeProgress, startClose, type CloseProgress } from './progress.js';
import { listReconciliations } from './reconciliation.js';

/**
 * What the finance routes call. It needs the database and the clock (the
 * ledger's), Temporal for the close workflow, and two settings.
 */
export interface FinanceServiceDeps {
  ledger: LedgerDeps;
  temporal: Client;
  config: { TEMPORAL_TASK_QUEUE: string; LATE_EVENT_WINDOW_DAYS: number };
}

/** Starts the close of a period (or finds it under way); the audit log records who started it. */
export async function startPeriodClose(
  deps: FinanceServiceDeps,
  periodId: string,
  audit: AuditContext,
): Promise<{ period: string; started: boolean; progress: CloseProgress | undefined }> {
  const period = parsePeriod(periodId);
  const started = await startClose(deps.temporal, deps.config.TEMPORAL_TASK_QUEUE, {
    period: period.id,
    startedBy: audit.actor,
    lateEventWindowMs: deps.config.LATE_EVENT_WINDOW_DAYS * 86_400_000,
  });
  if (started) {
    await writeAudit(deps.ledger.db, {
      ...audit,
      action: 'finance.period.close',
      targetType: 'period',
      targetId: period.id,
      occurredAt: deps.ledger.clock(),
    });
  }
  return { period: period.id, started, progress: await closeProgress(deps.ledger.db, deps.temporal, period.id) };
}

/** The progress of a period's close; NotFoundError when it was never started. */
export async function periodCloseProgress(deps: FinanceServiceDeps, period: string): Promise<CloseProgress> {
  const progress = await closeProgress(deps.ledger.db, deps.temporal, period);
  if (!progress) throw new NotFoundError('close', period);
  return progress;
}

/**
 * Approves a computed journal (the close workflow's Update). The person who
 * started the close may not approve it; the journal must be awaiting approval.
 */
export async function approvePeriodClose(deps: FinanceServiceDeps, period: string, approver: string): Promise<CloseProgress | undefined> {
  const progress = await periodCloseProgress(deps, period);
  if (progress.startedBy === approver) throw new ForbiddenError(`${approver} started the close of ${period} and cannot approve it`);
  if (progress.step !== 'awaiting_approval') {
    throw new ConflictError(
      'close_not_awaiting_approval',
      `The close of ${period} is ${progress.step ?? progress.status}, not awaiting approval`,
      {
        step: progress.step,
        closeStatus: progress.status,
      },
    );
  }
  try {
    await deps.temporal.workflow.getHandle(closeWorkflowId(period)).executeUpdate(approveCloseUpdate, { args: [{ approver }] });
  } catch (error) {
    const type = error instanceof WorkflowUpdateFailedError ? (error.cause as { type?: string } | undefined)?.type : undefined;
    if (type === 'self_approval') throw new ForbiddenError(`${approver} started the close of ${period} and cannot approve it`);
    if (type === 'already_approved' || type === 'close_failed')
      throw new ConflictError(type, (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : String(error));
    throw error;
  }
  return closeProgress(deps.ledger.db, deps.temporal, period);
}

export type JournalFormat = 'json' | 'quickbooks' | 'xero';

/** The computed journal of a period, as JSON or as the CSV an accounting system imports; NotFoundError before it is computed. */
export async function periodJournal(
  deps: FinanceServiceDeps,
  period: string,
  format: JournalFormat,
): Promise<{ json: unknown } | { csv: string; filename: string }> {
  const lines = await readJournal(deps.ledger.db, period);
  if (
    lines.length === 0 &&
    !(await deps.ledger.db
      .selectFrom('finance_periods')
      .select('computed_at')
      .where('period', '=', period)
      .where('computed_at', 'is not', null)
      .executeTakeFirst())
  ) {
    throw new NotFoundError('journal', period);
  }
  if (format === 'json') return { json: journalJson(period, lines) };
  const csv = format === 'quickbooks' ? quickBooksCsv(period, lines) : xeroCsv(period, lines);
  return { csv, filename: `journal-${period}.${format}.csv` };
}

/** Credits burned and revenue recognized in a closed period, by customer, feature, credit type and currency. */
export async function periodUsage(deps: FinanceServiceDeps, period: string, filter: { customerId?: string | undefined; limit: number }) {
  let q = deps.ledger.db.selectFrom('finance_usage_summary').selectAll().where('period', '=', period);
  if (filter.customerId) q = q.where('customer_id', '=', filter.customerId);
  const rows = await q.orderBy(['customer_id', 'feature', 'credit_type', 'currency']).limit(filter.limit).execute();
  return {
    period,
    usage: rows.map((r) => ({
      customerId: r.customer_id,
      feature: r.feature,
      creditType: r.credit_type,
      currency: r.currency,
      creditsBurnedUnits: r.credits_burned.toString(),
      revenueMinor: r.revenue_minor.toString(),
    })),
  };
}

/**
 * Sets reporting-currency rates of a period (they win over the rates file),
 * with an audit record in the same transaction. Refused once the period is posted.
 */
export async function setPeriodFxRates(deps: FinanceServiceDeps, period: string, rates: Record<string, string>, actor: string) {
  const { db } = deps.ledger;
  const record = await db.selectFrom('finance_periods').select('status').where('period', '=', period).executeTakeFirst();
  if (record?.status === 'posted') throw new ConflictError('period_posted', `${period} is posted; its rates can no longer change`);
  const now = deps.ledger.clock();
  await db.transaction().execute(async (tx) => {
    for (const [currency, rate] of Object.entries(rates)) {
      await tx
        .insertInto('finance_fx_rates')
        .values({ period, currency, rate, set_by: actor, set_at: now })
        .onConflict((oc) => oc.columns(['period', 'currency']).doUpdateSet({ rate, set_by: actor, set_at: now }))
        .execute();
    }
    await writeAudit(tx, { actor, action: 'finance.fx_rates.set', targetType: 'period', targetId: period, after: rates, occurredAt: now });
  });
  return { period, rates };
}

/** Nightly reconciliation reports, newest first. */
export async function reconciliationReports(deps: FinanceServiceDeps, limit: number) {
  return { reconciliations: await listReconciliations(deps.ledger.db, limit) };
}

/** Periods with a close, newest first: status, live step and the month's revenue (the finance page). */
export function periodList(deps: FinanceServiceDeps, limit: number): Promise<PeriodListItem[]> {
  return listPeriods(deps.ledger.db, deps.temporal, limit);
}
