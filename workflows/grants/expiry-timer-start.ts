import { ActivityFailure, log, ParentClosePolicy, patched, proxyActivities, startChild, WorkflowIdReusePolicy } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { GrantExpiryActivities } from '../../activities/grants.js';
import { grantExpiryWorkflowId } from '../../src/contracts/grants.js';
import { timerStartActivity } from '../presets.js';
import { grantExpiryWorkflow } from './expiry.js';

const { startGrantExpiryTimer } = proxyActivities<GrantExpiryActivities>(timerStartActivity);

/**
 * Timers used to start as abandoned children of the workflow that issued the
 * grant; they now start through an activity, as top-level workflows. A child
 * that ends after its parent closed leaves Temporal's time-skipping test
 * server waiting forever for the parent, and a depleted grant's timer may be
 * started again later, which a child id cannot be. Running workflows that
 * started before this change keep the child path.
 */
export const EXPIRY_TIMER_BY_ACTIVITY = 'expiry-timer-by-activity';

/**
 * Starts the expiry timer of a grant this workflow issued; a second start
 * finds the first. A start that keeps failing does not hold up the issuer
 * (a trial must still end on time): the expiry sweep Schedule expires the
 * grant without its timer, as it does for grants the API could not start one for.
 */
export async function startGrantExpiryTimerOf(grantId: string, expiringNoticeMs: number): Promise<void> {
  if (patched(EXPIRY_TIMER_BY_ACTIVITY)) {
    try {
      await startGrantExpiryTimer(grantId, expiringNoticeMs);
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      log.warn('expiry timer not started; the expiry sweep will cover the grant', { grantId, error: error.message });
    }
    return;
  }
  try {
    await startChild(grantExpiryWorkflow, {
      workflowId: grantExpiryWorkflowId(grantId),
      args: [{ grantId, expiringNoticeMs }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}
