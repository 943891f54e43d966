import { ParentClosePolicy, patched, proxyActivities, startChild, WorkflowIdReusePolicy } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { GrantExpiryActivities } from '../../activities/grants.js';
import { grantExpiryWorkflowId } from '../definitions/grants.js';
import { ledgerActivity } from '../presets.js';

const { startGrantExpiryTimer } = proxyActivities<GrantExpiryActivities>(ledgerActivity);

/**
 * Timers used to start as abandoned children of the workflow that issued the
 * grant; they now start through an activity, as top-level workflows. A child
 * that ends after its parent closed leaves Temporal's time-skipping test
 * server waiting forever for the parent, and a depleted grant's timer may be
 * started again later, which a child id cannot be. Running workflows that
 * started before this change keep the child path.
 */
export const EXPIRY_TIMER_BY_ACTIVITY = 'expiry-timer-by-activity';

/** Starts the expiry timer of a grant this workflow issued; a second start finds the first. */
export async function startGrantExpiryTimerOf(grantId: string, expiringNoticeMs: number): Promise<void> {
  if (patched(EXPIRY_TIMER_BY_ACTIVITY)) {
    await startGrantExpiryTimer(grantId, expiringNoticeMs);
    return;
  }
  try {
    await startChild('grantExpiryWorkflow', {
      workflowId: grantExpiryWorkflowId(grantId),
      args: [{ grantId, expiringNoticeMs }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}
