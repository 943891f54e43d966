import { allHandlersFinished, ApplicationFailure, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { GrantApprovalActivities } from '../../activities/grants.js';
import { decideApprovalUpdate, type ApprovalDecisionInput, type ApprovalOutcome } from '../../src/contracts/grants.js';
import { startGrantExpiryTimerOf } from './expiry-timer-start.js';
import { ledgerActivity } from '../presets.js';

const { applyApprovedGrant, rejectApproval } = proxyActivities<GrantApprovalActivities>(ledgerActivity);

export interface GrantApprovalInput {
  approvalId: string;
  requestedBy: string;
  /** How long to wait for a decision before the grant is rejected. */
  timeoutMs: number;
  expiringNoticeMs: number;
}

/**
 * A support or sales grant above the requester's limit (R-G4). Waits for an
 * approve or reject Update from someone other than the requester; times out
 * to rejected. Then applies the grant (and starts its expiry timer) or records
 * the rejection. The Update returns once the outcome is recorded.
 */
export async function grantApprovalWorkflow(input: GrantApprovalInput): Promise<ApprovalOutcome> {
  let decision: ApprovalDecisionInput | undefined;
  let outcome: ApprovalOutcome | undefined;
  let closed = false;
  setHandler(
    decideApprovalUpdate,
    async (given) => {
      decision = given;
      await condition(() => outcome !== undefined);
      return outcome!;
    },
    {
      validator: (given) => {
        if (given.approver === input.requestedBy) {
          throw ApplicationFailure.nonRetryable('The requester cannot approve or reject their own grant', 'self_approval');
        }
        if (closed || decision !== undefined) {
          throw ApplicationFailure.nonRetryable('The approval is no longer pending', 'approval_not_pending');
        }
      },
    },
  );

  const decided = await condition(() => decision !== undefined, input.timeoutMs);
  closed = true;
  if (!decided) {
    outcome = await rejectApproval(input.approvalId, { actor: 'system:approval-timeout', reason: 'timed out waiting for approval' });
  } else {
    const context = {
      actor: decision!.approver,
      reason: decision!.reason ?? null,
      sourceIp: decision!.sourceIp,
      requestId: decision!.requestId,
    };
    if (decision!.decision === 'approve') {
      const { expiresAt, ...applied } = await applyApprovedGrant(input.approvalId, context);
      if (applied.grantId && expiresAt) await startGrantExpiryTimerOf(applied.grantId, input.expiringNoticeMs);
      outcome = applied;
    } else {
      outcome = await rejectApproval(input.approvalId, context);
    }
  }
  await condition(allHandlersFinished);
  return outcome;
}
