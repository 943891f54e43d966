import { z } from 'zod';
import {
  accountById,
  accountSearch,
  balanceOf,
  createAccountAudited,
  createCreditTypeAudited,
  creditTypes,
  entriesOf,
  updateAccountAudited,
} from '../../accounts/service.js';
import { auditContextOf } from '../../audit/request-context.js';
import { startSignupPlan } from '../../grants/subscription-service.js';
import { entryTypes } from '../../db/schema.js';
import { refuseRiskChange } from '../../grants/grant-policy.js';
import type { DefineRoute } from '../route.js';
import { accountIdParams, creditTypeId, idString, int8Cursor, isoTime, pageQuery, problemSchema } from '../schemas/common.js';
import {
  accountBody,
  accountPatch,
  accountSchema,
  balanceSchema,
  creditTypeBody,
  creditTypeSchema,
  entrySchema,
} from '../schemas/ledger.js';

const accountSummarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    parentId: z.string().nullable(),
    hubspotDomain: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'AccountSummary' });

export function registerAccountRoutes(define: DefineRoute): void {
  define({
    method: 'post',
    path: '/v1/credit-types',
    summary: 'Create a credit type',
    description: 'A kind of credit with its own precision (decimal places). Creating the same type again is a no-op.',
    tags: ['Credit types'],
    scopes: ['admin'],
    access: { global: true, liveOnly: true },
    body: creditTypeBody,
    example: { id: 'ai', name: 'AI credits', precision: 2 },
    idempotent: true,
    responses: {
      201: { description: 'Created', schema: creditTypeSchema },
      409: { description: 'Exists with other settings', schema: problemSchema },
    },
    handler: async (ctx) => ({ status: 201, body: await createCreditTypeAudited(ctx.deps, ctx.body, auditContextOf(ctx)) }),
  });

  define({
    method: 'get',
    path: '/v1/credit-types',
    summary: 'List credit types',
    tags: ['Credit types'],
    scopes: ['admin', 'service', 'support', 'finance', 'customer', 'wallet'],
    access: { anyKey: true },
    responses: { 200: { description: 'All credit types', schema: z.strictObject({ data: z.array(creditTypeSchema) }) } },
    handler: async ({ deps }) => ({ status: 200, body: { data: await creditTypes(deps) } }),
  });

  define({
    method: 'post',
    path: '/v1/accounts',
    summary: 'Create an account',
    description:
      'parentId pools credits: the account burns its own grants first, then its parent’s. The account is of the key’s mode (live or test) for good: keys of the other mode get 404 for it. With SIGNUP_PLAN set (the free tier), an account without a parent gets that plan’s subscription at once (GET /v1/accounts/{id}/subscriptions lists it, created by `system:signup`).',
    tags: ['Accounts'],
    scopes: ['admin', 'support', 'service'],
    access: { global: true },
    body: accountBody,
    example: { id: 'acme', name: 'Acme Inc.', overdraftLimit: { ai: '100' }, metadata: { plan: 'pro' } },
    idempotent: true,
    responses: { 201: { description: 'Created', schema: accountSchema }, 409: { description: 'Already exists', schema: problemSchema } },
    handler: async (ctx) => {
      const account = await createAccountAudited(ctx.deps, { ...ctx.body, mode: ctx.mode }, auditContextOf(ctx));
      // The free tier (SIGNUP_PLAN), for accounts of their own: a pool member spends its parent's credits.
      if (!ctx.body.parentId) await startSignupPlan(ctx.deps, account.id);
      return { status: 201, body: account };
    },
  });

  define({
    method: 'get',
    path: '/v1/accounts',
    summary: 'Search accounts',
    description:
      'Accounts of the key’s mode whose id, name or linked HubSpot domain starts with `query` (case-insensitive; all accounts without it), in id order. Page with `cursor` = the previous page’s nextCursor.',
    tags: ['Accounts'],
    scopes: ['admin', 'support', 'finance', 'approver'],
    access: { global: true },
    query: z.strictObject({
      query: z.string().trim().max(200).optional(),
      cursor: idString.optional(),
      limit: z.coerce.number().int().min(1).max(200).default(25),
    }),
    responses: {
      200: {
        description: 'A page of accounts',
        schema: z.object({ data: z.array(accountSummarySchema), nextCursor: z.string().nullable() }),
      },
    },
    handler: async ({ deps, query, mode }) => {
      const search = { query: query.query || undefined, after: query.cursor, limit: query.limit, mode };
      return { status: 200, body: await accountSearch(deps, search) };
    },
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}',
    summary: 'Get an account',
    tags: ['Accounts'],
    scopes: ['admin', 'service', 'support', 'finance', 'customer', 'wallet'],
    access: { path: ['id'] },
    params: accountIdParams,
    responses: { 200: { description: 'The account', schema: accountSchema }, 404: { description: 'Not found', schema: problemSchema } },
    handler: async ({ deps, params }) => {
      return { status: 200, body: await accountById(deps, params.id) };
    },
  });

  define({
    method: 'patch',
    path: '/v1/accounts/{id}',
    summary: 'Update an account',
    description:
      'Name, pool parent, overdraft limits per credit type, enforcement mode, pricing version, cohort, metadata. Overdraft limits and enforcement mode need the admin scope.',
    tags: ['Accounts'],
    scopes: ['admin', 'support'],
    access: { path: ['id'], body: ['parentId'] },
    params: accountIdParams,
    body: accountPatch,
    example: { name: 'Acme Corporation', cohort: 'enterprise' },
    idempotent: true,
    responses: { 200: { description: 'Updated', schema: accountSchema }, 404: { description: 'Not found', schema: problemSchema } },
    handler: async (ctx) => {
      const { deps, params, body } = ctx;
      refuseRiskChange(ctx.principal.scopes, body);
      return { status: 200, body: await updateAccountAudited(deps, params.id, body, auditContextOf(ctx)) };
    },
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/balance',
    summary: 'Balance per credit type',
    description:
      'available, held, pending and total per credit type, with the grants behind them. `at` gives the balance as it was at that past instant.',
    tags: ['Balances'],
    scopes: ['admin', 'service', 'support', 'finance', 'customer', 'wallet'],
    access: { path: ['id'] },
    params: accountIdParams,
    query: z.strictObject({ at: isoTime.optional() }),
    responses: { 200: { description: 'Balances', schema: balanceSchema }, 404: { description: 'Not found', schema: problemSchema } },
    handler: async ({ deps, params, query }) => {
      return { status: 200, body: await balanceOf(deps, params.id, query.at) };
    },
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/transactions',
    summary: 'Ledger history',
    description:
      'Ledger entries, newest first. Entries of one operation share a transactionId. Page with `cursor` = the previous page’s nextCursor.',
    tags: ['Balances'],
    scopes: ['admin', 'service', 'support', 'finance', 'customer', 'wallet'],
    access: { path: ['id'] },
    params: accountIdParams,
    query: pageQuery.extend({
      type: z
        .string()
        .optional()
        .transform((v, ctx) => {
          const types = v ? v.split(',') : [];
          const bad = types.filter((t) => !(entryTypes as readonly string[]).includes(t));
          if (bad.length)
            ctx.addIssue({ code: 'custom', message: `unknown entry type ${bad.join(', ')}; one of ${entryTypes.join(', ')}` });
          return types as (typeof entryTypes)[number][];
        }),
      creditType: creditTypeId.optional(),
      feature: z.string().optional(),
      from: isoTime.optional(),
      to: isoTime.optional(),
      cursor: int8Cursor.optional(),
    }),
    responses: {
      200: { description: 'A page of entries', schema: z.strictObject({ data: z.array(entrySchema), nextCursor: z.string().nullable() }) },
    },
    handler: async ({ deps, params, query }) => {
      const page = await entriesOf(deps, params.id, {
        types: query.type,
        creditType: query.creditType,
        feature: query.feature,
        from: query.from,
        to: query.to,
        before: query.cursor === undefined ? undefined : BigInt(query.cursor),
        limit: query.limit,
      });
      return { status: 200, body: page };
    },
  });
}
