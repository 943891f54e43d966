import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { grantExpiryWorkflow, type GrantExpiryInput } from '../../workflows/grants/expiry.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import { tryEach } from '../outbox/try-each.js';
import { recordTrialDepleted } from './trials.js';
import { grantClosedSignal, grantExpiryChangedSignal, grantExpiryWorkflowId, grantRemainingChangedSignal } from '../contracts/grants.js';

export interface TimerSettings {
  client: Client;
  taskQueue: string;
  expiringNoticeDays: number;
  logger: Logger;
}

const DAY_MS = 86_400_000;

/** The timer settings of the API process. */
export function timerSettingsOf(deps: {
  temporal: Client;
  config: { TEMPORAL_TASK_QUEUE: string; GRANT_EXPIRING_NOTICE_DAYS: number };
  logger: Logger;
}): TimerSettings {
  return {
    client: deps.temporal,
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    expiringNoticeDays: deps.config.GRANT_EXPIRING_NOTICE_DAYS,
    logger: deps.logger,
  };
}

function timerOptions(taskQueue: string, grantId: string, expiringNoticeMs: number) {
  return {
    taskQueue,
    workflowId: grantExpiryWorkflowId(grantId),
    // A grant has one running timer at a time: a second start (a retried
    // request, a later caller) finds it and is harmless. A timer that ended
    // because the grant was used up may be started again when credits come
    // back (a refund, a released hold); it re-reads the ledger, so starting
    // one for an expired or voided grant just ends at once.
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    args: [{ grantId, expiringNoticeMs }] as [GrantExpiryInput],
  };
}

/**
 * Starts a grant's expiry timer unless one is running. Throws what Temporal
 * throws (callers decide whether that matters); used by the API and by the
 * `startGrantExpiryTimer` activity of workflows that issue grants.
 */
export async function startExpiryTimerWorkflow(
  client: Client,
  taskQueue: string,
  grantId: string,
  expiringNoticeMs: number,
): Promise<void> {
  try {
    await client.workflow.start(grantExpiryWorkflow, timerOptions(taskQueue, grantId, expiringNoticeMs));
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/**
 * Starts the expiry timer of a grant that has an expiry, after the ledger
 * committed it. Never fails the caller: the grant exists, and if the start is
 * lost the expiry sweep Schedule still expires it.
 */
export async function startExpiryTimer(settings: TimerSettings, grant: { id: string; expiresAt: string | null }): Promise<void> {
  if (grant.expiresAt === null) return;
  try {
    await startExpiryTimerWorkflow(settings.client, settings.taskQueue, grant.id, settings.expiringNoticeDays * DAY_MS);
  } catch (error) {
    settings.logger.warn({ err: error, grantId: grant.id }, 'expiry timer not started; the expiry sweep will cover the grant');
  }
}

/** Tells a grant's timer its expiry moved, starting the timer if the grant had none. */
export async function signalExpiryChanged(settings: TimerSettings, grantId: string, expiresAt: string | null): Promise<void> {
  try {
    await settings.client.workflow.signalWithStart(grantExpiryWorkflow, {
      ...timerOptions(settings.taskQueue, grantId, settings.expiringNoticeDays * DAY_MS),
      signal: grantExpiryChangedSignal,
      signalArgs: [{ expiresAt }],
    });
  } catch (error) {
    settings.logger.warn({ err: error, grantId }, 'expiry timer not signalled; the expiry sweep will cover the grant');
  }
}

/** Ends a voided grant's timer (it would find the grant voided at its expiry anyway). */
export async function signalGrantClosed(settings: TimerSettings, grantId: string): Promise<void> {
  try {
    await settings.client.workflow.getHandle(grantExpiryWorkflowId(grantId)).signal(grantClosedSignal, { status: 'voided' });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return;
    settings.logger.warn({ err: error, grantId }, 'expiry timer not told of the void; it ends at the expiry instant instead');
  }
}

export interface GrantTimerRelayDeps {
  db: Database;
  temporal: Client;
  taskQueue: string;
  expiringNoticeMs: number;
}

/**
 * Tells the expiry timers of grants whose remaining amount crossed zero (the
 * marks the ledger writes): a used-up grant's timer is woken and ends; a
 * refilled grant's timer is woken, or started again if it had ended. Each
 * mark is read together with its grant (one snapshot), acted on, and cleared
 * only if its version is unchanged, so a crossing that committed meanwhile
 * stays pending for the next relay run, and no row lock is held while
 * Temporal is called. A mark whose call fails stays pending; the first
 * failure is rethrown after the others were tried. Returns the marks cleared.
 */
export async function signalMarkedGrantTimers(deps: GrantTimerRelayDeps, limit: number): Promise<number> {
  const marks = await deps.db
    .selectFrom('grant_timer_marks as m')
    .leftJoin('grants as g', (j) => j.onRef('g.account_id', '=', 'm.account_id').onRef('g.id', '=', 'm.grant_id'))
    .select(['m.account_id', 'm.grant_id', 'm.version', 'm.marked_at', 'g.status', 'g.remaining', 'g.source'])
    .where('m.pending', '=', true)
    .orderBy('m.marked_at')
    .limit(limit)
    .execute();
  let cleared = 0;
  const { failed, firstError } = await tryEach(marks, async (mark) => {
    if (mark.status === 'active') await tellTimer(deps, mark.grant_id, mark.remaining === 0n);
    // Trial credits used up before the trial's end: the customer hears of it (and may convert early).
    if (mark.status === 'active' && mark.remaining === 0n && mark.source === 'trial')
      await recordTrialDepleted(deps.db, mark.grant_id, mark.marked_at);
    const done = await deps.db
      .updateTable('grant_timer_marks')
      .set({ pending: false })
      .where('account_id', '=', mark.account_id)
      .where('grant_id', '=', mark.grant_id)
      .where('version', '=', mark.version)
      .executeTakeFirst();
    cleared += Number(done.numUpdatedRows);
  });
  if (failed.length > 0) throw firstError;
  return cleared;
}

async function tellTimer(deps: GrantTimerRelayDeps, grantId: string, usedUp: boolean): Promise<void> {
  if (usedUp) {
    try {
      await deps.temporal.workflow.getHandle(grantExpiryWorkflowId(grantId)).signal(grantRemainingChangedSignal);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
    return;
  }
  await deps.temporal.workflow.signalWithStart(grantExpiryWorkflow, {
    ...timerOptions(deps.taskQueue, grantId, deps.expiringNoticeMs),
    signal: grantRemainingChangedSignal,
    signalArgs: [],
  });
}
