import { z } from 'zod';
import { createAccount, createCreditType, getAccount, listCreditTypes, updateAccount } from '../../ledger/index.js';
import { ForbiddenError } from '../../errors.js';
import { writeAudit } from '../../audit/audit-log.js';
import { auditContextOf } from '../../audit/request-context.js';
import type { DefineRoute } from '../route.js';
import { accountIdParams, problemSchema } from '../schemas/common.js';
import { accountBody, accountPatch, accountSchema, creditTypeBody, creditTypeSchema } from '../schemas/ledger.js';

const creditTypeView = (c: { id: string; name: string; precision: number; created_at: Date }) => ({
  id: c.id,
  name: c.name,
  precision: c.precision,
  createdAt: c.created_at.toISOString(),
});

export function registerAccountRoutes(define: DefineRoute): void {
  define({
    method: 'post',
    path: '/v1/credit-types',
    summary: 'Create a credit type',
    description: 'A kind of credit with its own precision (decimal places). Creating the same type again is a no-op.',
    tags: ['Credit types'],
    scopes: ['admin'],
    body: creditTypeBody,
    idempotent: true,
    responses: {
      201: { description: 'Created', schema: creditTypeSchema },
      409: { description: 'Exists with other settings', schema: problemSchema },
    },
    handler: async (ctx) => {
      const created = creditTypeView(await createCreditType(ctx.deps.db, ctx.body));
      await writeAudit(ctx.deps.db, {
        ...auditContextOf(ctx),
        action: 'credit_type.create',
        targetType: 'credit_type',
        targetId: created.id,
        after: created,
        occurredAt: ctx.deps.clock(),
      });
      return { status: 201, body: created };
    },
  });

  define({
    method: 'get',
    path: '/v1/credit-types',
    summary: 'List credit types',
    tags: ['Credit types'],
    scopes: ['admin', 'service', 'support', 'finance', 'customer'],
    responses: { 200: { description: 'All credit types', schema: z.object({ data: z.array(creditTypeSchema) }) } },
    handler: async ({ deps }) => ({ status: 200, body: { data: (await listCreditTypes(deps.db)).map(creditTypeView) } }),
  });

  define({
    method: 'post',
    path: '/v1/accounts',
    summary: 'Create an account',
    description: 'parentId pools credits: the account burns its own grants first, then its parent’s.',
    tags: ['Accounts'],
    scopes: ['admin', 'support', 'service'],
    body: accountBody,
    idempotent: true,
    responses: { 201: { description: 'Created', schema: accountSchema }, 409: { description: 'Already exists', schema: problemSchema } },
    handler: async (ctx) => {
      const { deps, body, principal } = ctx;
      if (principal.accountId !== null) throw new ForbiddenError('An account-bound key cannot create accounts');
      const created = await createAccount(deps.db, body);
      await writeAudit(deps.db, {
        ...auditContextOf(ctx),
        action: 'account.create',
        targetType: 'account',
        targetId: created.id,
        accountId: created.id,
        after: created,
        occurredAt: deps.clock(),
      });
      return { status: 201, body: created };
    },
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}',
    summary: 'Get an account',
    tags: ['Accounts'],
    scopes: ['admin', 'service', 'support', 'finance', 'customer'],
    params: accountIdParams,
    responses: { 200: { description: 'The account', schema: accountSchema }, 404: { description: 'Not found', schema: problemSchema } },
    handler: async ({ deps, params, authorizeAccount }) => {
      authorizeAccount(params.id);
      return { status: 200, body: await getAccount(deps.db, params.id) };
    },
  });

  define({
    method: 'patch',
    path: '/v1/accounts/{id}',
    summary: 'Update an account',
    description: 'Name, pool parent, overdraft limits per credit type, enforcement mode, pricing version, cohort, metadata.',
    tags: ['Accounts'],
    scopes: ['admin', 'support'],
    params: accountIdParams,
    body: accountPatch,
    responses: { 200: { description: 'Updated', schema: accountSchema }, 404: { description: 'Not found', schema: problemSchema } },
    handler: async (ctx) => {
      const { deps, params, body, authorizeAccount } = ctx;
      authorizeAccount(params.id);
      const before = await getAccount(deps.db, params.id);
      const after = await updateAccount(deps.db, params.id, body);
      await writeAudit(deps.db, {
        ...auditContextOf(ctx),
        action: 'account.update',
        targetType: 'account',
        targetId: params.id,
        accountId: params.id,
        before,
        after,
        occurredAt: deps.clock(),
      });
      return { status: 200, body: after };
    },
  });
}
