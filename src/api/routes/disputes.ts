import { z } from 'zod';
import { auditContextOf } from '../../audit/request-context.js';
import { viewerOf } from '../../auth/viewer.js';
import type { DisputeStep } from '../../contracts/disputes.js';
import { disputeStatuses } from '../../db/schema-disputes.js';
import { actOnDispute, disputeById, disputes, openDispute } from '../../disputes/service.js';
import { ValidationError } from '../../errors.js';
import { ownerOf } from '../owners.js';
import type { DefineRoute } from '../route.js';
import { decimalString, idString, pageQuery, problemSchema } from '../schemas/common.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const queue = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/);

const openBody = z
  .strictObject({
    accountId: idString
      .optional()
      .meta({ description: 'Required for staff keys; a customer key or session token opens cases on its own account.' }),
    transactionId: z.string().min(1).max(128).optional().meta({ description: 'The disputed burn (a ledger transaction).' }),
    usageEventId: z.string().min(1).max(128).optional().meta({ description: 'Or the usage event whose burn is disputed.' }),
    reason: text(2000).meta({ description: 'What the customer says is wrong.' }),
  })
  .refine((b) => (b.transactionId === undefined) !== (b.usageEventId === undefined), {
    message: 'give either transactionId or usageEventId',
    path: ['transactionId'],
  })
  .meta({ id: 'DisputeInput' });

const disputeSchema = z
  .object({
    id: z.string(),
    accountId: z.string(),
    subject: z.object({ type: z.enum(['transaction', 'usage_event']), transactionId: z.string(), usageEventId: z.string().nullable() }),
    creditType: z.string(),
    disputedAmount: decimalString,
    reason: z.string(),
    status: z.enum(disputeStatuses),
    slaDueAt: z.string(),
    openedAt: z.string(),
    resolution: z
      .object({
        outcome: z.enum(['resolved', 'rejected']),
        explanation: z.string(),
        refundedAmount: decimalString.nullable(),
        refundTransactionId: z.string().nullable(),
        decidedAt: z.string().nullable(),
      })
      .nullable(),
    links: z.object({ transaction: z.string().meta({ description: 'The dispute view of the burn (GET /v1/transactions/{id}).' }) }),
    // Support's fields, left out of the customer's view.
    owner: z.string().nullable().optional(),
    queue: z.string().optional(),
    escalatedAt: z.string().nullable().optional(),
    openedBy: z.string().optional(),
    openedByCustomer: z.boolean().optional(),
    decidedBy: z.string().nullable().optional(),
    workflowId: z.string().optional(),
    updatedAt: z.string().optional(),
    notes: z.array(z.object({ id: z.string(), author: z.string(), body: z.string(), createdAt: z.string() })).optional(),
  })
  .meta({ id: 'Dispute' });

const disputeIdParams = z.strictObject({ id: idString });
const readers = ['admin', 'support', 'finance', 'customer', 'wallet'] as const;
const caseResponses = {
  200: { description: 'The case as it is now', schema: disputeSchema },
  404: { description: 'No such dispute', schema: problemSchema },
  409: { description: 'The case is closed, or the ledger refused the refund', schema: problemSchema },
};

export function registerDisputeRoutes(define: DefineRoute): void {
  define({
    method: 'post',
    path: '/v1/disputes',
    summary: 'Open a dispute on a burn',
    description:
      'A customer (customer key or the wallet’s session token, on its own account) or support disputes a burn: a ledger transaction or a usage event, with a reason. The case is `open`, waits in DISPUTE_QUEUE and is escalated to DISPUTE_ESCALATION_QUEUE (`dispute.escalated`) if still unresolved when its SLA (DISPUTE_SLA_HOURS or DISPUTE_SLA_BUSINESS_DAYS) passes. One open case per burn (409 `dispute_already_open`). Writes `dispute.opened`.',
    tags: ['Disputes'],
    scopes: ['admin', 'support', 'customer', 'wallet'],
    access: { body: ['accountId'] },
    body: openBody,
    example: {
      accountId: 'acme',
      transactionId: 'tx_0192f0c4a1b27d3e8f6a5b4c3d2e1f00',
      reason: 'We were charged twice for the same report',
    },
    idempotent: true,
    responses: {
      201: { description: 'Opened', schema: disputeSchema },
      404: { description: 'No such account, transaction or usage event on it', schema: problemSchema },
      409: { description: 'Not a burn, or a case on it is still open', schema: problemSchema },
    },
    handler: async (ctx) => {
      const { deps, body, account, principal } = ctx;
      if (account === null) throw new ValidationError('accountId is required', [{ path: 'accountId', message: 'required' }]);
      const view = await openDispute(deps, { ...body, accountId: account }, { audit: auditContextOf(ctx), viewer: viewerOf(principal) });
      return { status: 201, body: view, headers: { Location: `/v1/disputes/${view.id}` } };
    },
  });

  define({
    method: 'get',
    path: '/v1/disputes',
    summary: 'List disputes',
    description: 'Oldest first; filter by account, status or queue (e.g. the escalation queue). Customers see their own account’s cases.',
    tags: ['Disputes'],
    scopes: readers,
    access: { query: 'accountId' },
    query: pageQuery.extend({ accountId: idString.optional(), status: z.enum(disputeStatuses).optional(), queue: queue.optional() }),
    responses: {
      200: { description: 'Cases', schema: z.strictObject({ data: z.array(disputeSchema), nextCursor: z.string().nullable() }) },
    },
    handler: async ({ deps, query, account, principal, mode }) => {
      const filter = { ...query, accountId: account ?? undefined, after: query.cursor, mode };
      const data = await disputes(deps, filter, viewerOf(principal));
      return { status: 200, body: { data, nextCursor: data.length === query.limit ? data[data.length - 1]!.id : null } };
    },
  });

  define({
    method: 'get',
    path: '/v1/disputes/{id}',
    summary: 'Get a dispute',
    description: 'With its notes for support; `links.transaction` is the dispute view of the burn.',
    tags: ['Disputes'],
    scopes: readers,
    access: { owner: ownerOf.dispute },
    params: disputeIdParams,
    responses: { 200: caseResponses[200], 404: caseResponses[404] },
    handler: async ({ deps, params, principal }) => ({ status: 200, body: await disputeById(deps, params.id, viewerOf(principal)) }),
  });

  defineAction(define, 'notes', {
    summary: 'Add a note to a dispute',
    description: 'Support’s notes; not shown to the customer.',
    body: z.strictObject({ body: text(5000) }).meta({ id: 'DisputeNoteInput' }),
    example: { body: 'Customer sent the invoice; the two reports have different ids.' },
    step: (b) => ({ action: 'note', body: b.body }),
  });
  defineAction(define, 'assign', {
    summary: 'Assign a dispute',
    description: 'Gives the case an owner (default: the caller) and moves it to `investigating`.',
    body: z.strictObject({ owner: text(200).optional() }).meta({ id: 'DisputeAssignInput' }),
    example: { owner: 'sam@example.com' },
    step: (b, actor) => ({ action: 'assign', owner: b.owner ?? actor }),
  });
  defineAction(define, 'resolve', {
    summary: 'Resolve a dispute',
    description:
      'Upholds the dispute. With `refund` (the default) the disputed burn is refunded through the ledger’s refund (as POST /v1/accounts/{id}/refunds, audited as burn.refund) with the case as its reason: all that is left of it, or `amount`; for a usage event, that event’s share of its burn. The customer is told (`dispute.resolved`).',
    body: z
      .strictObject({ explanation: text(2000), refund: z.boolean().default(true), amount: decimalString.optional() })
      .meta({ id: 'DisputeResolveInput' }),
    example: { explanation: 'Duplicate report confirmed; refunded.', refund: true },
    step: (b) => ({ action: 'resolve', ...b }),
  });
  defineAction(define, 'reject', {
    summary: 'Reject a dispute',
    description: 'Closes the case without a refund; the explanation is shown to the customer (`dispute.resolved` with outcome `rejected`).',
    body: z.strictObject({ explanation: text(2000) }).meta({ id: 'DisputeRejectInput' }),
    example: { explanation: 'The two reports were run on different data sets.' },
    step: (b) => ({ action: 'reject', explanation: b.explanation }),
  });
}

/** One support action on a case: POST /v1/disputes/{id}/<name>, sent to the case's workflow. */
function defineAction<B extends z.ZodType>(
  define: DefineRoute,
  name: string,
  spec: { summary: string; description: string; body: B; example: z.input<B>; step: (body: z.output<B>, actor: string) => DisputeStep },
): void {
  define({
    method: 'post',
    path: `/v1/disputes/{id}/${name}`,
    summary: spec.summary,
    description: `${spec.description} Support only; audited. Refused (409) once the case is resolved or rejected.`,
    tags: ['Disputes'],
    scopes: ['admin', 'support'],
    access: { owner: ownerOf.dispute },
    params: disputeIdParams,
    body: spec.body,
    example: spec.example,
    idempotent: true,
    responses: caseResponses,
    handler: async (ctx) => {
      const action = { ...spec.step(ctx.body, ctx.actor), ...auditContextOf(ctx) };
      return { status: 200, body: await actOnDispute(ctx.deps, ctx.params.id, action, ctx.idempotencyKey) };
    },
  });
}
