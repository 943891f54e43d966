import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { closeStateQuery, closeWorkflowId, type CloseState, type MonthEndCloseInput } from '../contracts/finance.js';
import { monthEndCloseWorkflow } from '../../workflows/finance/close.js';
import type { Database } from '../db/database.js';
import type { FinancePeriod } from '../db/schema-finance.js';
import { parsePeriod } from './periods.js';

export interface CloseProgress {
  period: string;
  workflowId: string;
  /** The live step from the workflow's query; null when the workflow is not reachable (ended long ago, or not started). */
  step: CloseState['step'] | null;
  /** The persisted status, kept beside the ledger. */
  status: FinancePeriod['status'] | null;
  startedBy: string | null;
  startedAt: string | null;
  lateEventsUntil: string | null;
  frozenAt: string | null;
  computedAt: string | null;
  approvedBy: string | null;
  approvedAt: string | null;
  postedAt: string | null;
  adapter: string | null;
  totals: unknown;
  posting: unknown;
  error: string | null;
}

/** The persisted record of a period's close. */
async function getPeriodRecord(db: Database, periodId: string): Promise<FinancePeriod | undefined> {
  return db.selectFrom('finance_periods').selectAll().where('period', '=', periodId).executeTakeFirst();
}

/** The close's progress: the workflow's query when it answers, over the persisted record. */
export async function closeProgress(db: Database, temporal: Client, period: string): Promise<CloseProgress | undefined> {
  const record = await getPeriodRecord(db, period);
  let live: CloseState | undefined;
  try {
    live = await temporal.workflow.getHandle(closeWorkflowId(period)).query(closeStateQuery);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError) && !/not found|completed|closed/i.test((error as Error).message)) throw error;
  }
  if (!record && !live) return undefined;
  const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
  return {
    period,
    workflowId: closeWorkflowId(period),
    step: live?.step ?? null,
    status: record?.status ?? null,
    startedBy: record?.started_by ?? live?.startedBy ?? null,
    startedAt: iso(record?.started_at),
    lateEventsUntil: iso(record?.late_events_until) ?? live?.lateEventsUntil ?? null,
    frozenAt: iso(record?.frozen_at) ?? live?.frozenAt ?? null,
    computedAt: iso(record?.computed_at),
    approvedBy: record?.approved_by ?? live?.approvedBy ?? null,
    approvedAt: iso(record?.approved_at),
    postedAt: iso(record?.posted_at),
    adapter: record?.adapter ?? null,
    totals: record?.totals ?? live?.totals ?? null,
    posting: record?.posting_result ?? live?.posting ?? null,
    error: record?.error ?? live?.error ?? null,
  };
}

/**
 * Starts the close of a period, or finds the one already running or done:
 * the workflow id is `close-YYYY-MM` and only a failed close may be started
 * again. Returns whether this call started it.
 */
export async function startClose(
  temporal: Client,
  taskQueue: string,
  input: { period: string; startedBy: string; lateEventWindowMs: number },
): Promise<boolean> {
  const period = parsePeriod(input.period);
  const args: MonthEndCloseInput = {
    period: period.id,
    startedBy: input.startedBy,
    lateEventsUntil: new Date(period.end.getTime() + input.lateEventWindowMs).toISOString(),
  };
  try {
    await temporal.workflow.start(monthEndCloseWorkflow, {
      workflowId: closeWorkflowId(period.id),
      taskQueue,
      args: [args],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    });
    return true;
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw error;
  }
}
