import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { auditContextOf } from '../../audit/request-context.js';
import {
  approvalView,
  findApproval,
  grantReasonCodes,
  listApprovals,
  requestSupportGrant,
  type ApprovalView,
} from '../../grants/approvals.js';
import { startExpiryTimer, timerSettingsOf } from '../../grants/timers.js';
import { ConflictError, ForbiddenError } from '../../errors.js';
import { decideApprovalUpdate, grantApprovalWorkflowId, type ApprovalDecision } from '../../contracts/grants.js';
import { grantApprovalWorkflow } from '../../../workflows/grants/approval.js';
import type { ApiDeps } from '../deps.js';
import type { DefineRoute, RouteContext } from '../route.js';
import { accountIdParams, creditTypeId, decimalString, idString, pageQuery, problemSchema } from '../schemas/common.js';
import { grantSchema } from '../schemas/ledger.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const supportGrantBody = z
  .object({
    creditType: creditTypeId,
    amount: decimalString,
    source: z
      .enum(['support', 'promo'])
      .default('support')
      .meta({ description: '`support` for support goodwill, `promo` for sales concessions' }),
    reasonCode: z.enum(grantReasonCodes),
    reason: z.string().trim().min(1).max(1000).meta({ description: 'Free text: what happened and why this grant' }),
    effectiveAt: z.iso.datetime({ offset: true }).optional(),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .meta({ id: 'SupportGrantInput' });

const approvalSchema = z
  .object({
    id: z.string(),
    accountId: z.string(),
    status: z.enum(['pending', 'approved', 'rejected']),
    grant: supportGrantBody.extend({ accountId: z.string() }),
    reasonCode: z.string(),
    reason: z.string(),
    requestedBy: z.string(),
    timeoutAt: z.string(),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    decisionReason: z.string().nullable(),
    grantId: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'Approval' });

const approvalIdParams = z.object({ id: idString });

/** Sends a decision to the approval workflow; maps its refusals to 403 and 409. */
async function decide(
  ctx: RouteContext<{ id: string }, unknown, { reason?: string | undefined }>,
  decision: ApprovalDecision,
): Promise<ApprovalView> {
  const { deps, params, principal, body } = ctx;
  const row = await findApproval(deps.db, params.id);
  if (row.requested_by === principal.subject) throw new ForbiddenError('The requester cannot approve or reject their own grant');
  const notPending = (status: string) =>
    new ConflictError('approval_not_pending', `Approval ${params.id} is already ${status}`, { approvalStatus: status });
  if (row.status !== 'pending') throw notPending(row.status);
  try {
    await deps.temporal.workflow.getHandle(grantApprovalWorkflowId(params.id)).executeUpdate(decideApprovalUpdate, {
      args: [{ decision, approver: principal.subject, reason: body.reason, ...auditContextOf(ctx) }],
    });
  } catch (error) {
    const cause = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === 'self_approval') throw new ForbiddenError(cause.message);
    // Refused by the workflow, or the workflow is gone (it timed out meanwhile).
    const now = await findApproval(deps.db, params.id);
    if (now.status !== 'pending' || (cause instanceof ApplicationFailure && cause.type === 'approval_not_pending'))
      throw notPending(now.status);
    throw error;
  }
  return approvalView(await findApproval(deps.db, params.id));
}

function startApprovalWorkflow(deps: ApiDeps, approval: ApprovalView) {
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
      // A retried request finds the workflow already running: that is the point of the fixed id.
      if ((error as Error).name !== 'WorkflowExecutionAlreadyStartedError') throw error;
    });
}

export function registerApprovalRoutes(define: DefineRoute): void {
  define({
    method: 'post',
    path: '/v1/accounts/{id}/support-grants',
    summary: 'Grant credits as support or sales, with a reason',
    description:
      'A reason code from the fixed list and free text are required. Within the caller’s limit (config GRANT_APPROVAL_LIMITS, per scope) the grant is issued at once (201); above it the grant waits for approval by someone else holding the `approver` or `admin` scope (202), and is rejected if nobody decides within GRANT_APPROVAL_TIMEOUT_HOURS.',
    tags: ['Approvals'],
    scopes: ['admin', 'support'],
    params: accountIdParams,
    body: supportGrantBody,
    idempotent: true,
    responses: {
      201: { description: 'Granted', schema: z.object({ status: z.literal('granted'), grant: grantSchema }) },
      202: { description: 'Waiting for approval', schema: z.object({ status: z.literal('pending'), approval: approvalSchema }) },
      404: { description: 'No such account', schema: problemSchema },
    },
    handler: async (ctx) => {
      const { deps, params, body, principal, idempotencyKey, authorizeAccount } = ctx;
      authorizeAccount(params.id);
      const result = await requestSupportGrant(
        deps.ledger,
        { ...body, accountId: params.id },
        {
          ...auditContextOf(ctx),
          scopes: principal.scopes,
          idempotencyKey,
          limits: deps.config.GRANT_APPROVAL_LIMITS,
          approvalTimeoutMs: deps.config.GRANT_APPROVAL_TIMEOUT_HOURS * HOUR_MS,
        },
      );
      if (result.status === 'granted') {
        await startExpiryTimer(timerSettingsOf(deps), result.grant);
        return { status: 201, body: result, headers: { Location: `/v1/grants/${result.grant.id}` } };
      }
      await startApprovalWorkflow(deps, result.approval);
      return { status: 202, body: result, headers: { Location: `/v1/approvals/${result.approval.id}` } };
    },
  });

  define({
    method: 'get',
    path: '/v1/approvals',
    summary: 'List grant approvals',
    tags: ['Approvals'],
    scopes: ['admin', 'approver', 'support'],
    query: pageQuery.extend({ status: z.enum(['pending', 'approved', 'rejected']).optional(), accountId: idString.optional() }),
    responses: {
      200: {
        description: 'Approvals, oldest first',
        schema: z.object({ data: z.array(approvalSchema), nextCursor: z.string().nullable() }),
      },
    },
    handler: async ({ deps, query, principal }) => {
      if (principal.accountId !== null) throw new ForbiddenError('An account-bound key cannot list approvals');
      const data = await listApprovals(deps.db, { ...query, after: query.cursor });
      return { status: 200, body: { data, nextCursor: data.length === query.limit ? data[data.length - 1]!.id : null } };
    },
  });

  define({
    method: 'get',
    path: '/v1/approvals/{id}',
    summary: 'Get a grant approval',
    tags: ['Approvals'],
    scopes: ['admin', 'approver', 'support'],
    params: approvalIdParams,
    responses: { 200: { description: 'The approval', schema: approvalSchema }, 404: { description: 'Not found', schema: problemSchema } },
    handler: async ({ deps, params, authorizeAccount }) => {
      const row = await findApproval(deps.db, params.id);
      authorizeAccount(row.account_id);
      return { status: 200, body: approvalView(row) };
    },
  });

  for (const decision of ['approve', 'reject'] as const) {
    define({
      method: 'post',
      path: `/v1/approvals/{id}/${decision}`,
      summary: decision === 'approve' ? 'Approve a pending grant' : 'Reject a pending grant',
      description:
        'Only someone other than the requester, holding the `approver` or `admin` scope. Refused (409) once decided or timed out.',
      tags: ['Approvals'],
      scopes: ['admin', 'approver'],
      params: approvalIdParams,
      body:
        decision === 'approve'
          ? z.object({ reason: z.string().trim().min(1).max(1000).optional() }).meta({ id: 'ApproveInput' })
          : z.object({ reason: z.string().trim().min(1).max(1000) }).meta({ id: 'RejectInput' }),
      idempotent: true,
      responses: {
        200: { description: 'Decided', schema: approvalSchema },
        403: { description: 'Self-approval', schema: problemSchema },
        404: { description: 'Not found', schema: problemSchema },
        409: { description: 'No longer pending', schema: problemSchema },
      },
      handler: async (ctx) => {
        ctx.authorizeAccount((await findApproval(ctx.deps.db, ctx.params.id)).account_id);
        return { status: 200, body: await decide(ctx, decision) };
      },
    });
  }
}
