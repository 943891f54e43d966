import { ApplicationFailure, condition, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { FinanceActivities } from '../../activities/finance.js';
import { approveCloseUpdate, closeStateQuery, type CloseState, type MonthEndCloseInput } from '../../src/contracts/finance.js';
import { financeActivity, ledgerActivity } from '../presets.js';

const { recordCloseStarted, recordCloseApproved, recordCloseResult, recordCloseFailed } =
  proxyActivities<FinanceActivities>(ledgerActivity);
const { freezeClosePeriod, computeCloseJournal, postCloseJournal } = proxyActivities<FinanceActivities>(financeActivity);

/**
 * Month-end close of one period (R-I3): waits out the late-event window on a
 * durable timer, freezes the period (later usage adjusts the next open
 * period), computes the journal, waits for a finance approval by someone
 * other than the starter, posts to the accounting adapter (idempotent by
 * period and line id) and records the result. Every step is persisted too,
 * so the progress is readable when the workflow is gone.
 */
export async function monthEndCloseWorkflow(input: MonthEndCloseInput): Promise<CloseState> {
  const state: CloseState = {
    period: input.period,
    step: 'waiting_late_events',
    startedBy: input.startedBy,
    lateEventsUntil: input.lateEventsUntil,
    frozenAt: null,
    totals: null,
    approvedBy: null,
    posting: null,
    error: null,
  };
  let approver: string | null = null;
  setHandler(closeStateQuery, () => state);
  setHandler(
    approveCloseUpdate,
    async ({ approver: who }) => {
      await condition(() => state.step !== 'waiting_late_events' && state.step !== 'freezing' && state.step !== 'computing');
      if (state.step === 'failed')
        throw ApplicationFailure.nonRetryable(`The close of ${input.period} failed: ${state.error}`, 'close_failed');
      approver ??= who;
      await condition(() => state.approvedBy !== null || state.step === 'failed');
      return state;
    },
    {
      validator: ({ approver: who }) => {
        if (who === input.startedBy) {
          throw ApplicationFailure.nonRetryable(`${who} started this close and cannot approve it`, 'self_approval');
        }
        if (approver !== null && approver !== who) {
          throw ApplicationFailure.nonRetryable(`Already approved by ${approver}`, 'already_approved');
        }
      },
    },
  );

  const now = () => new Date().toISOString();
  try {
    await recordCloseStarted(input, now());
    const wait = Date.parse(input.lateEventsUntil) - Date.now();
    if (wait > 0) await sleep(wait);

    state.step = 'freezing';
    state.frozenAt = await freezeClosePeriod(input.period, now(), input.startedBy);

    state.step = 'computing';
    state.totals = await computeCloseJournal(input.period, now());

    state.step = 'awaiting_approval';
    await condition(() => approver !== null);
    await recordCloseApproved(input.period, approver!, now());
    state.approvedBy = approver;

    state.step = 'posting';
    state.posting = await postCloseJournal(input.period, now());
    await recordCloseResult(input.period, state.posting, now());
    state.step = 'posted';
    return state;
  } catch (error) {
    state.step = 'failed';
    state.error = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    await recordCloseFailed(input.period, state.error, now());
    throw error;
  }
}
