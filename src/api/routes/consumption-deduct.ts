import { z } from 'zod';
import { auditContextOf } from '../../audit/request-context.js';
import { holdsOf, holdView, refundBurnAudited } from '../../consumption/service.js';
import { commitHold, createHold, deduct, deductAll, releaseHold } from '../../observability/measured-ledger.js';
import { ownerOf } from '../owners.js';
import type { DefineRoute } from '../route.js';
import { accountIdParams, insufficientCreditsSchema, problemSchema } from '../schemas/common.js';
import {
  commitBody,
  deductAllSchema,
  deductBody,
  deductSchema,
  holdBody,
  holdCreatedSchema,
  holdSchema,
  refundBody,
  refundSchema,
} from '../schemas/ledger.js';
import { directMode, runUnenforced, type Unenforced } from '../../consumption/direct-enforcement.js';
import type { ApiDeps } from '../deps.js';

const holdIdParams = z.strictObject({ id: z.string().min(1).max(64) });

/** The answer to a hold request in shadow or off mode: shaped as a hold, but none was made. */
const notHeld = (accountId: string, feature: string | undefined, judged: Unenforced, now: Date) => ({
  id: null,
  accountId,
  creditType: judged.creditType,
  amount: judged.requested,
  status: 'not_held' as const,
  committedAmount: null,
  expiresAt: null,
  feature: feature ?? null,
  ownerRef: null,
  transactionId: null,
  closedTransactionId: null,
  createdAt: now.toISOString(),
  closedAt: null,
  enforcementMode: judged.enforcementMode,
  wouldBlock: judged.wouldBlock,
});

type UnenforcedDeduct = Omit<Parameters<typeof runUnenforced>[2], 'key'>;

/** A deduct in shadow or off mode, answered as a deduct that wrote nothing. */
async function unenforced(deps: ApiDeps, mode: 'shadow' | 'off', request: UnenforcedDeduct, key: string) {
  const { enforcementMode, creditType, requested, deducted, balance, wouldBlock } = await runUnenforced(deps.ledger, mode, {
    ...request,
    key,
  });
  return { transactionId: null, accountId: request.accountId, creditType, requested, deducted, balance, enforcementMode, wouldBlock };
}

/** Items in shadow or off mode: each judged as its own deduct (one shadow entry per credit type), nothing written. */
async function unenforcedItems(deps: ApiDeps, mode: 'shadow' | 'off', accountId: string, body: z.output<typeof deductBody>, key: string) {
  const items = [...body.items!].sort((a, b) => (a.creditType < b.creditType ? -1 : 1));
  const judged = [];
  for (const [i, item] of items.entries()) {
    const request = { kind: 'deduct', accountId, ...item, feature: body.feature } as const;
    judged.push(await unenforced(deps, mode, request, i === 0 ? key : `${key}:${item.creditType}`));
  }
  return { accountId, items: judged };
}

export function registerDeductRoutes(define: DefineRoute): void {
  define({
    method: 'post',
    path: '/v1/accounts/{id}/deduct',
    summary: 'Deduct credits now',
    description:
      'Validates, burns in burn order and confirms within the request. All-or-nothing unless allowPartial; beyond the grants it may use the account’s overdraft limit. 402 says what is available, the shortfall and how to buy more. In shadow and off mode (the account’s enforcement mode) nothing is burned and nothing refused: transactionId is null, and in shadow the answer says whether enforce would have refused it (recorded for GET /v1/reports/shadow).',
    tags: ['Consumption'],
    scopes: ['service', 'admin'],
    access: { path: ['id'] },
    params: accountIdParams,
    body: deductBody,
    example: { creditType: 'ai', amount: '150.25', feature: 'chat', allowPartial: false },
    accountRateLimit: true,
    idempotent: 'ledger',
    responses: {
      200: { description: 'Deducted (with items: one result per credit type)', schema: z.union([deductSchema, deductAllSchema]) },
      402: { description: 'Not enough credits', schema: insufficientCreditsSchema },
      404: { description: 'No such account', schema: problemSchema },
    },
    handler: async ({ deps, params, body, actor, idempotencyKey, httpIdempotency }) => {
      const { feature, usageEventId, reason, items, creditType, amount, ...rest } = body;
      const mode = await directMode(deps.enforcement, params.id);
      if (items) {
        if (mode !== 'enforce')
          return { status: 200, body: await unenforcedItems(deps, mode, params.id, body, idempotencyKey!), outsideLedger: true };
        // Several ledger transactions: the response is stored beside them (outsideLedger), the ledger key replays them all.
        const result = await deductAll(
          deps.ledger,
          { ...rest, items, accountId: params.id },
          { actor, idempotencyKey, feature, usageEventId, reason },
        );
        return { status: 200, body: result, outsideLedger: true };
      }
      if (mode !== 'enforce') {
        const request = { kind: 'deduct', accountId: params.id, creditType: creditType!, amount: amount!, feature } as const;
        return { status: 200, body: await unenforced(deps, mode, request, idempotencyKey!), outsideLedger: true };
      }
      const result = await deduct(
        deps.ledger,
        { ...rest, creditType: creditType!, amount: amount!, accountId: params.id },
        { actor, idempotencyKey, httpIdempotency, feature, usageEventId, reason },
      );
      return { status: 200, body: result };
    },
  });

  define({
    method: 'post',
    path: '/v1/accounts/{id}/holds',
    summary: 'Reserve credits (hold)',
    description:
      'Holds reduce what is available until committed or released. A hold past its TTL cannot be committed and is released by the sweeper. In shadow and off mode (the account’s enforcement mode) no hold is made: the answer has id null, status not_held, and in shadow whether enforce would have refused it.',
    tags: ['Consumption'],
    scopes: ['service', 'admin'],
    access: { path: ['id'] },
    params: accountIdParams,
    body: holdBody,
    example: { creditType: 'ai', amount: '40', ttlSeconds: 600, feature: 'chat' },
    accountRateLimit: true,
    idempotent: 'ledger',
    responses: {
      201: { description: 'Held (in shadow and off mode: not held, id null)', schema: holdCreatedSchema },
      402: { description: 'Not enough credits', schema: insufficientCreditsSchema },
    },
    handler: async ({ deps, params, body, actor, idempotencyKey, httpIdempotency }) => {
      const mode = await directMode(deps.enforcement, params.id);
      if (mode !== 'enforce') {
        const request = {
          kind: 'hold',
          accountId: params.id,
          creditType: body.creditType,
          amount: body.amount,
          feature: body.feature,
        } as const;
        const judged = await runUnenforced(deps.ledger, mode, { ...request, key: idempotencyKey! });
        return { status: 201, body: notHeld(params.id, body.feature, judged, deps.ledger.clock()), outsideLedger: true };
      }
      const hold = await createHold(
        deps.ledger,
        { ...body, accountId: params.id },
        { actor, idempotencyKey, httpIdempotency, feature: body.feature },
      );
      return { status: 201, body: hold, headers: { Location: `/v1/holds/${hold.id}` } };
    },
  });

  define({
    method: 'get',
    path: '/v1/holds/{id}',
    summary: 'Get a hold',
    tags: ['Consumption'],
    scopes: ['service', 'admin', 'support', 'finance', 'customer'],
    access: { owner: ownerOf.hold },
    params: holdIdParams,
    responses: { 200: { description: 'The hold', schema: holdSchema }, 404: { description: 'Not found', schema: problemSchema } },
    handler: async ({ deps, params }) => {
      const hold = await holdView(deps, params.id);
      return { status: 200, body: hold };
    },
  });

  define({
    method: 'post',
    path: '/v1/holds/{id}/commit',
    summary: 'Commit a hold',
    description:
      'Burns the actual amount (default: all of it, at most what was held) and releases the rest. 409 hold_expired past the TTL.',
    tags: ['Consumption'],
    scopes: ['service', 'admin'],
    access: { owner: ownerOf.hold },
    params: holdIdParams,
    body: commitBody,
    example: { amount: '12.50' },
    idempotent: 'ledger',
    responses: {
      200: { description: 'Committed', schema: holdSchema },
      409: { description: 'Expired, closed, or more than held', schema: problemSchema },
    },
    handler: async ({ deps, params, body, actor, idempotencyKey, httpIdempotency }) => {
      return { status: 200, body: await commitHold(deps.ledger, params.id, body.amount, { actor, idempotencyKey, httpIdempotency }) };
    },
  });

  define({
    method: 'post',
    path: '/v1/holds/{id}/release',
    summary: 'Release a hold',
    tags: ['Consumption'],
    scopes: ['service', 'admin'],
    access: { owner: ownerOf.hold },
    params: holdIdParams,
    idempotent: 'ledger',
    responses: { 200: { description: 'Released', schema: holdSchema }, 409: { description: 'Already closed', schema: problemSchema } },
    handler: async ({ deps, params, actor, idempotencyKey, httpIdempotency }) => {
      return { status: 200, body: await releaseHold(deps.ledger, params.id, { actor, idempotencyKey, httpIdempotency }) };
    },
  });

  define({
    method: 'post',
    path: '/v1/accounts/{id}/refunds',
    summary: 'Refund a burn',
    description:
      'Returns the credits of a deduct or commit, or part of it, to the grants they came from (a new refund grant where those expired). Never more than was burned.',
    tags: ['Consumption'],
    scopes: ['service', 'support', 'admin'],
    access: { path: ['id'] },
    params: accountIdParams,
    body: refundBody,
    example: { transactionId: 'tx_0192f0c4a1b27d3e8f6a5b4c3d2e1f00', amount: '10', reason: 'outage on 2026-01-12' },
    idempotent: 'ledger',
    responses: {
      201: { description: 'Refunded', schema: refundSchema },
      404: { description: 'No such burn on this account', schema: problemSchema },
      409: { description: 'More than is left to refund', schema: problemSchema },
    },
    handler: async (ctx) => {
      const { deps, params, body, actor, idempotencyKey, httpIdempotency } = ctx;
      const result = await refundBurnAudited(
        deps,
        { accountId: params.id, transactionId: body.transactionId, amount: body.amount },
        { actor, idempotencyKey, httpIdempotency, reason: body.reason },
        auditContextOf(ctx),
      );
      return { status: 201, body: result };
    },
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/holds',
    summary: 'List an account’s holds',
    description: 'Newest first; `status=active` (the default) is what is reserved now.',
    tags: ['Consumption'],
    scopes: ['admin', 'service', 'support', 'finance', 'customer'],
    access: { path: ['id'] },
    params: accountIdParams,
    query: z.strictObject({
      status: z.enum(['active', 'committed', 'released', 'expired']).default('active'),
      limit: z.coerce.number().int().min(1).max(200).default(25),
    }),
    responses: {
      200: { description: 'Holds', schema: z.object({ data: z.array(holdSchema) }) },
      404: { description: 'No such account', schema: problemSchema },
    },
    handler: async ({ deps, params, query }) => {
      return { status: 200, body: { data: await holdsOf(deps, params.id, query) } };
    },
  });
}
