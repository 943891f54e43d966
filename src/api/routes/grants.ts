import { z } from 'zod';
import { auditContextOf } from '../../audit/request-context.js';
import { changeExpiry, grantById, grantCredits, grantsOf, voidGrantAudited } from '../../grants/service.js';
import { ownerOf } from '../owners.js';
import { refuseExpiryExtension } from '../../grants/grant-policy.js';
import type { DefineRoute } from '../route.js';
import { accountIdParams, creditTypeId, idString, pageQuery, problemSchema } from '../schemas/common.js';
import { grantBody, grantSchema } from '../schemas/ledger.js';

const grantIdParams = z.strictObject({ id: z.string().min(1).max(64) });

export function registerGrantRoutes(define: DefineRoute): void {
  define({
    method: 'post',
    path: '/v1/accounts/{id}/grants',
    summary: 'Grant credits to an account',
    description:
      'A credit block with its source, priority, effective and expiry times, reason and cost basis. Lower priority numbers burn first; by default promo and trial credits burn before purchased ones.',
    tags: ['Grants'],
    scopes: ['admin', 'support', 'service', 'payments'],
    access: { path: ['id'] },
    params: accountIdParams,
    body: grantBody,
    example: { creditType: 'ai', amount: '100', source: 'promo', expiresAt: '2030-01-01T00:00:00Z', reason: 'launch promo' },
    idempotent: true,
    responses: {
      201: { description: 'Granted', schema: grantSchema },
      403: { description: 'A support key above its limit: use /v1/accounts/{id}/support-grants', schema: problemSchema },
      404: { description: 'No such account', schema: problemSchema },
    },
    handler: async (ctx) => {
      const { deps, params, body, actor, idempotencyKey, principal } = ctx;
      const created = await grantCredits(
        deps,
        { ...body, accountId: params.id },
        { actor, idempotencyKey, scopes: principal.scopes },
        auditContextOf(ctx),
      );
      return { status: 201, body: created, headers: { Location: `/v1/grants/${created.id}` } };
    },
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/grants',
    summary: 'List an account’s grants',
    tags: ['Grants'],
    scopes: ['admin', 'support', 'service', 'finance', 'customer', 'wallet'],
    access: { path: ['id'] },
    params: accountIdParams,
    query: pageQuery.extend({ creditType: creditTypeId.optional(), status: z.enum(['active', 'voided', 'expired']).optional() }),
    responses: {
      200: {
        description: 'Grants, oldest first',
        schema: z.strictObject({ data: z.array(grantSchema), nextCursor: z.string().nullable() }),
      },
    },
    handler: async ({ deps, params, query }) => {
      const data = await grantsOf(deps, params.id, { ...query, after: query.cursor });
      return { status: 200, body: { data, nextCursor: data.length === query.limit ? data[data.length - 1]!.id : null } };
    },
  });

  define({
    method: 'get',
    path: '/v1/grants/{id}',
    summary: 'Get a grant',
    tags: ['Grants'],
    scopes: ['admin', 'support', 'service', 'finance', 'customer', 'wallet'],
    access: { owner: ownerOf.grant },
    params: grantIdParams,
    responses: { 200: { description: 'The grant', schema: grantSchema }, 404: { description: 'Not found', schema: problemSchema } },
    handler: async ({ deps, params }) => {
      const grant = await grantById(deps, params.id);
      return { status: 200, body: grant };
    },
  });

  define({
    method: 'post',
    path: '/v1/grants/{id}/void',
    summary: 'Void a grant',
    description: 'Writes a compensating entry for what remains of the grant; burned credits stay burned.',
    tags: ['Grants'],
    scopes: ['admin', 'support'],
    access: { owner: ownerOf.grant },
    params: grantIdParams,
    body: z.strictObject({ reason: z.string().min(1).max(1000) }).meta({ id: 'VoidInput' }),
    example: { reason: 'granted to the wrong account' },
    idempotent: true,
    responses: { 200: { description: 'Voided', schema: grantSchema }, 409: { description: 'Not active', schema: problemSchema } },
    handler: async (ctx) => {
      const { deps, params, body, actor, idempotencyKey } = ctx;
      const before = await grantById(deps, params.id);
      const voided = await voidGrantAudited(deps, before, { actor, idempotencyKey, reason: body.reason }, auditContextOf(ctx));
      return { status: 200, body: voided };
    },
  });

  define({
    method: 'post',
    path: '/v1/grants/{id}/expiry',
    summary: 'Change when a grant expires',
    description:
      'Moves (or, with null, removes) an active grant’s expiry; extending or removing it needs the admin scope. No ledger entry: the expiry timer is moved, and the change lands in the audit log with the old and new instant.',
    tags: ['Grants'],
    scopes: ['admin', 'support'],
    access: { owner: ownerOf.grant },
    params: z.strictObject({ id: idString }),
    body: z
      .strictObject({
        expiresAt: z.iso.datetime({ offset: true }).nullable(),
        reason: z.string().trim().min(1).max(1000),
      })
      .meta({ id: 'GrantExpiryChange' }),
    example: { expiresAt: '2030-06-30T00:00:00Z', reason: 'contract extended to mid-2030' },
    idempotent: true,
    responses: {
      200: { description: 'Changed', schema: grantSchema },
      404: { description: 'Not found', schema: problemSchema },
      409: { description: 'Not active or already past its expiry', schema: problemSchema },
    },
    handler: async (ctx) => {
      const { deps, params, body, actor, idempotencyKey } = ctx;
      const current = await grantById(deps, params.id);
      const accountId = current.accountId;
      const expiresAt = body.expiresAt === null ? null : new Date(body.expiresAt);
      refuseExpiryExtension(ctx.principal.scopes, current.expiresAt, expiresAt);
      const grant = await changeExpiry(
        deps,
        { grantId: params.id, accountId, expiresAt },
        { actor, idempotencyKey, reason: body.reason },
        auditContextOf(ctx),
      );
      return { status: 200, body: grant };
    },
  });
}
