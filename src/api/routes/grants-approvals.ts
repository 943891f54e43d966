import { z } from 'zod';
import { auditContextOf } from '../../audit/request-context.js';
import { approvalById, approvals, decideApproval, requestSupportGrantFromApi } from '../../grants/approval-service.js';
import { grantReasonCodes } from '../../grants/approvals.js';
import { ownerOf } from '../owners.js';
import type { DefineRoute } from '../route.js';
import { accountIdParams, creditTypeId, decimalString, idString, pageQuery, problemSchema } from '../schemas/common.js';
import { grantSchema } from '../schemas/ledger.js';

const supportGrantBody = z
  .strictObject({
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

const approvalIdParams = z.strictObject({ id: idString });

export function registerApprovalRoutes(define: DefineRoute): void {
  define({
    method: 'post',
    path: '/v1/accounts/{id}/support-grants',
    summary: 'Grant credits as support or sales, with a reason',
    description:
      'A reason code from the fixed list and free text are required. Within the caller’s limit (config GRANT_APPROVAL_LIMITS, per scope) the grant is issued at once (201); above it the grant waits for approval by someone else holding the `approver` or `admin` scope (202), and is rejected if nobody decides within GRANT_APPROVAL_TIMEOUT_HOURS.',
    tags: ['Approvals'],
    scopes: ['admin', 'support'],
    access: { path: ['id'] },
    params: accountIdParams,
    body: supportGrantBody,
    example: {
      creditType: 'ai',
      amount: '500',
      source: 'support',
      reasonCode: 'service_outage',
      reason: 'API outage on 2026-01-12, 3 hours',
    },
    idempotent: true,
    responses: {
      201: { description: 'Granted', schema: z.strictObject({ status: z.literal('granted'), grant: grantSchema }) },
      202: { description: 'Waiting for approval', schema: z.strictObject({ status: z.literal('pending'), approval: approvalSchema }) },
      404: { description: 'No such account', schema: problemSchema },
    },
    handler: async (ctx) => {
      const { deps, params, body, principal, idempotencyKey } = ctx;
      const result = await requestSupportGrantFromApi(
        deps,
        { ...body, accountId: params.id },
        { scopes: principal.scopes, idempotencyKey },
        auditContextOf(ctx),
      );
      if (result.status === 'granted') return { status: 201, body: result, headers: { Location: `/v1/grants/${result.grant.id}` } };
      return { status: 202, body: result, headers: { Location: `/v1/approvals/${result.approval.id}` } };
    },
  });

  define({
    method: 'get',
    path: '/v1/approvals',
    summary: 'List grant approvals',
    tags: ['Approvals'],
    scopes: ['admin', 'approver', 'support'],
    access: { global: true },
    query: pageQuery.extend({ status: z.enum(['pending', 'approved', 'rejected']).optional(), accountId: idString.optional() }),
    responses: {
      200: {
        description: 'Approvals, oldest first',
        schema: z.strictObject({ data: z.array(approvalSchema), nextCursor: z.string().nullable() }),
      },
    },
    handler: async ({ deps, query, mode }) => {
      const data = await approvals(deps, { ...query, after: query.cursor, mode });
      return { status: 200, body: { data, nextCursor: data.length === query.limit ? data[data.length - 1]!.id : null } };
    },
  });

  define({
    method: 'get',
    path: '/v1/approvals/{id}',
    summary: 'Get a grant approval',
    tags: ['Approvals'],
    scopes: ['admin', 'approver', 'support'],
    access: { owner: ownerOf.approval },
    params: approvalIdParams,
    responses: { 200: { description: 'The approval', schema: approvalSchema }, 404: { description: 'Not found', schema: problemSchema } },
    handler: async ({ deps, params }) => {
      const approval = await approvalById(deps, params.id);
      return { status: 200, body: approval };
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
      access: { owner: ownerOf.approval },
      params: approvalIdParams,
      body:
        decision === 'approve'
          ? z.strictObject({ reason: z.string().trim().min(1).max(1000).optional() }).meta({ id: 'ApproveInput' })
          : z.strictObject({ reason: z.string().trim().min(1).max(1000) }).meta({ id: 'RejectInput' }),
      example: { reason: decision === 'approve' ? 'confirmed with the account manager' : 'covered by the contract already' },
      idempotent: true,
      responses: {
        200: { description: 'Decided', schema: approvalSchema },
        403: { description: 'Self-approval', schema: problemSchema },
        404: { description: 'Not found', schema: problemSchema },
        409: { description: 'No longer pending', schema: problemSchema },
      },
      handler: async (ctx) => {
        return { status: 200, body: await decideApproval(ctx.deps, ctx.params.id, decision, ctx.body.reason, auditContextOf(ctx)) };
      },
    });
  }
}
