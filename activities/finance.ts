import { closeWorkflowId, type MonthEndCloseInput } from '../src/contracts/finance.js';
import { PostingRejectedError } from '../src/finance/adapters/adapter.js';
import { computeClose, freezePeriod, recordCloseStarted, storeClose, UnbalancedJournalError } from '../src/finance/close.js';
import { postJournal, recordApproval, recordCloseFailed, recordClosed, type PostingResult } from '../src/finance/close-posting.js';
import { MissingRateError } from '../src/finance/journal.js';
import { reconcile, reconcilePeriodStatements } from '../src/finance/reconciliation.js';
import type { FinanceSettings } from '../src/finance/settings.js';
import type { LedgerDeps } from '../src/ledger/index.js';
import { configured, mapFailures } from './failures.js';

export interface FinanceActivityDeps {
  ledger: LedgerDeps;
  finance?: FinanceSettings | undefined;
}

/** Failures a retry cannot fix: a missing rate, an unbalanced journal, a line the accounting system refuses. */
const permanent = [MissingRateError, UnbalancedJournalError, PostingRejectedError];

/**
 * Month-end close and reconciliation activities. Instants come from the
 * workflow, so a retried step writes the same values.
 */
export function createFinanceActivities(deps: FinanceActivityDeps) {
  const db = deps.ledger.db;
  const settings = () => configured(deps.finance, 'finance');
  return {
    async recordCloseStarted(input: MonthEndCloseInput, at: string): Promise<void> {
      await recordCloseStarted(db, {
        period: input.period,
        workflowId: closeWorkflowId(input.period),
        startedBy: input.startedBy,
        startedAt: new Date(at),
        lateEventsUntil: new Date(input.lateEventsUntil),
      });
    },
    async freezeClosePeriod(period: string, at: string, by: string): Promise<string> {
      return (await freezePeriod(db, period, new Date(at), by)).toISOString();
    },
    /** The journal of the frozen period, and the statement identity of every account over it (a mismatch is a reconciliation discrepancy). */
    async computeCloseJournal(period: string, at: string): Promise<unknown> {
      const totals = await mapFailures(
        computeClose(db, settings(), period).then((close) => storeClose(db, close, new Date(at))),
        permanent,
      );
      await reconcilePeriodStatements(db, period, new Date(at));
      return totals;
    },
    async recordCloseApproved(period: string, approver: string, at: string): Promise<void> {
      await recordApproval(db, period, approver, new Date(at));
    },
    async postCloseJournal(period: string, at: string): Promise<PostingResult> {
      return mapFailures(postJournal(db, settings().adapter, period, new Date(at)), permanent);
    },
    async recordCloseResult(period: string, result: PostingResult, at: string): Promise<void> {
      await recordClosed(db, period, result, new Date(at));
    },
    async recordCloseFailed(period: string, error: string, at: string): Promise<void> {
      await recordCloseFailed(db, period, error, new Date(at));
    },
    async runReconciliation(at: string) {
      return reconcile(db, settings().adapter, new Date(at));
    },
  };
}

export type FinanceActivities = ReturnType<typeof createFinanceActivities>;
