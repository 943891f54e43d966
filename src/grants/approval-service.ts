import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { AuditContext } from '../audit/audit-log.js';
import { decideApprovalUpdate, grantApprovalWorkflowId, type ApprovalDecision } from '../contracts/grants.js';
import { ConflictError, ForbiddenError } from '../errors.js';
import { grantApprovalWorkflow } from '../../workflows/grants/approval.js';
import {
  approvalView,
  findApproval,
  listApprovals,
  requestSupportGrant,
  type ApprovalView,
  type SupportGrantRequest,
  type SupportGrantResult,
} from './approvals.js';
import { withDailyCap } from './grant-policy.js';
import type { GrantsServiceDeps } from './service.js';
import { startExpiryTimer, timerSettingsOf } from './timers.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Starts the approval workflow of a pending grant; a retried request finds it already running (the fixed id). */
function startApprovalWorkflow(deps: GrantsServiceDeps, approval: ApprovalView) {
  return deps.temporal.workflow
    .start(grantApprovalWorkflow, {
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      workflowId: grantApprovalWorkflowId(approval.id),
      args: [
        {
          approvalId: approval.id,
          requestedBy: approval.requestedBy,
          timeoutMs: Date.parse(approval.timeoutAt) - Date.parse(approval.createdAt),
          expiringNoticeMs: deps.config.GRANT_EXPIRING_NOTICE_DAYS * DAY_MS,
        },
      ],
    })
    .catch((error: unknown) => {
      if ((error as Error).name !== 'WorkflowExecutionAlreadyStartedError') throw error;
    });
}

/**
 * A support or sales grant with a reason: within the caller's limit
 * (GRANT_APPROVAL_LIMITS) it is issued at once and its expiry timer started;
 * above it, it waits for an approver, whose workflow starts here.
 */
export async function requestSupportGrantFromApi(
  deps: GrantsServiceDeps,
  request: SupportGrantRequest,
  caller: { scopes: ReadonlySet<string>; idempotencyKey: string | undefined },
  audit: AuditContext,
): Promise<SupportGrantResult> {
  // Within the approval limit but over the person's rolling daily cap on this account: approval all the same.
  const who = { actor: audit.actor, scopes: caller.scopes };
  const result = await withDailyCap(deps.ledger, who, request, deps.config.GRANT_DAILY_LIMITS, (ledger, withinCap) =>
    requestSupportGrant(ledger, request, {
      ...audit,
      overDailyCap: !withinCap,
      scopes: caller.scopes,
      idempotencyKey: caller.idempotencyKey,
      limits: deps.config.GRANT_APPROVAL_LIMITS,
      approvalTimeoutMs: deps.config.GRANT_APPROVAL_TIMEOUT_HOURS * HOUR_MS,
    }),
  );
  if (result.status === 'granted') await startExpiryTimer(timerSettingsOf(deps), result.grant);
  else await startApprovalWorkflow(deps, result.approval);
  return result;
}

/** Approvals, oldest first, a page at a time. */
export function approvals(deps: GrantsServiceDeps, filter: Parameters<typeof listApprovals>[1]): Promise<ApprovalView[]> {
  return listApprovals(deps.ledger.db, filter);
}

/** One approval; NotFoundError for an unknown id. */
export async function approvalById(deps: GrantsServiceDeps, approvalId: string): Promise<ApprovalView> {
  return approvalView(await findApproval(deps.ledger.db, approvalId));
}

/**
 * Sends a decision to the approval workflow (its Update) and answers with the
 * approval as decided. The requester may not decide their own grant (403); a
 * decided or timed-out approval is 409.
 */
export async function decideApproval(
  deps: GrantsServiceDeps,
  approvalId: string,
  decision: ApprovalDecision,
  reason: string | undefined,
  audit: AuditContext,
): Promise<ApprovalView> {
  const row = await findApproval(deps.ledger.db, approvalId);
  if (row.requested_by === audit.actor) throw new ForbiddenError('The requester cannot approve or reject their own grant');
  const notPending = (status: string) =>
    new ConflictError('approval_not_pending', `Approval ${approvalId} is already ${status}`, { approvalStatus: status });
  if (row.status !== 'pending') throw notPending(row.status);
  try {
    await deps.temporal.workflow.getHandle(grantApprovalWorkflowId(approvalId)).executeUpdate(decideApprovalUpdate, {
      args: [{ decision, approver: audit.actor, reason, ...audit }],
    });
  } catch (error) {
    const cause = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === 'self_approval') throw new ForbiddenError(cause.message);
    // Refused by the workflow, or the workflow is gone (it timed out meanwhile).
    const now = await findApproval(deps.ledger.db, approvalId);
    if (now.status !== 'pending' || (cause instanceof ApplicationFailure && cause.type === 'approval_not_pending'))
      throw notPending(now.status);
    throw error;
  }
  return approvalById(deps, approvalId);
}
