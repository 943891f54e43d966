import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Logger } from '../logger.js';
import { grantClosedSignal, grantExpiryChangedSignal, grantExpiryWorkflowId } from '../../workflows/definitions/grants.js';

export interface TimerSettings {
  client: Client;
  taskQueue: string;
  expiringNoticeDays: number;
  logger: Logger;
}

const DAY_MS = 86_400_000;

/** The timer settings of the API process. */
export function timerSettingsOf(deps: { temporal: Client; config: { TEMPORAL_TASK_QUEUE: string; GRANT_EXPIRING_NOTICE_DAYS: number }; logger: Logger }): TimerSettings {
  return {
    client: deps.temporal,
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    expiringNoticeDays: deps.config.GRANT_EXPIRING_NOTICE_DAYS,
    logger: deps.logger,
  };
}

function timerOptions(settings: TimerSettings, grantId: string) {
  return {
    taskQueue: settings.taskQueue,
    workflowId: grantExpiryWorkflowId(grantId),
    // A grant has one timer for life: a second start (a retried request, a
    // later caller) finds the first and is harmless.
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    args: [{ grantId, expiringNoticeMs: settings.expiringNoticeDays * DAY_MS }] as [unknown],
  };
}

/**
 * Starts the expiry timer of a grant that has an expiry, after the ledger
 * committed it. Never fails the caller: the grant exists, and if the start is
 * lost the expiry sweep Schedule still expires it.
 */
export async function startExpiryTimer(settings: TimerSettings, grant: { id: string; expiresAt: string | null }): Promise<void> {
  if (grant.expiresAt === null) return;
  try {
    await settings.client.workflow.start('grantExpiryWorkflow', timerOptions(settings, grant.id));
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return;
    settings.logger.warn({ err: error, grantId: grant.id }, 'expiry timer not started; the expiry sweep will cover the grant');
  }
}

/** Tells a grant's timer its expiry moved, starting the timer if the grant had none. */
export async function signalExpiryChanged(settings: TimerSettings, grantId: string, expiresAt: string | null): Promise<void> {
  try {
    await settings.client.workflow.signalWithStart('grantExpiryWorkflow', {
      ...timerOptions(settings, grantId),
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
