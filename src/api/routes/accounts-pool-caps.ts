import { z } from 'zod';
import { poolCapsOf, removePoolCap, setPoolCap } from '../../accounts/pool-caps.js';
import type { DefineRoute } from '../route.js';
import { accountIdParams, creditTypeId, decimalString, idString, problemSchema } from '../schemas/common.js';

const poolCapSchema = z
  .object({
    accountId: z.string(),
    parentId: z.string().nullable(),
    creditType: z.string(),
    cap: decimalString,
    drawn: decimalString.meta({ description: 'Drawn from the pool this period: deducts and holds, less releases and refunds' }),
    remaining: decimalString,
    period: z.literal('month').meta({ description: 'A UTC calendar month' }),
    periodStart: z.string(),
    periodEnd: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'PoolCap' });
const capParams = z.strictObject({ id: idString, creditType: creditTypeId });
const capBody = z
  .strictObject({
    creditType: creditTypeId,
    amount: decimalString.meta({ description: 'Most credits of this type the member may draw from its pool per UTC month' }),
  })
  .meta({ id: 'PoolCapInput' });

/** Pool member caps (issue 18): a seat's budget inside a team pool (src/accounts/pool-caps.ts). */
export function registerPoolCapRoutes(define: DefineRoute): void {
  define({
    method: 'post',
    path: '/v1/accounts/{id}/pool-caps',
    summary: 'Cap what a pool member draws from its pool',
    description:
      'Sets or changes the cap of one credit type. On a member account (one with a pool parent): at most `amount` credits of the type from the pool parents’ grants per UTC calendar month; its own grants are not capped. Enforced inside each deduct and hold, under the member’s balance lock: past the cap they are refused with 402 `pool_cap_exceeded` (the cap, what was drawn, what remains, when the period ends). The member’s balance shows the cap and counts only its room of the pool. 409 `not_a_pool_member` for an account without a pool parent.',
    tags: ['Accounts'],
    scopes: ['admin'],
    access: { path: ['id'] },
    params: accountIdParams,
    body: capBody,
    example: { creditType: 'ai', amount: '500' },
    audit: { action: 'pool_cap.set', targetType: 'account' },
    idempotent: true,
    responses: {
      200: { description: 'The cap, with this period’s draw', schema: poolCapSchema },
      404: { description: 'No such account', schema: problemSchema },
      409: { description: 'The account has no pool parent', schema: problemSchema },
    },
    handler: async ({ deps, params, body, actor }) => ({
      status: 200,
      body: await setPoolCap(
        deps.ledger.db,
        { accountId: params.id, creditType: body.creditType, amount: body.amount, actor },
        deps.ledger.clock(),
      ),
    }),
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/pool-caps',
    summary: 'A pool member’s caps',
    description: 'Per credit type: the cap, what the member drew from its pool this UTC month and what remains.',
    tags: ['Accounts'],
    scopes: ['admin', 'service', 'support', 'finance', 'customer'],
    access: { path: ['id'] },
    params: accountIdParams,
    responses: {
      200: { description: 'Caps', schema: z.object({ data: z.array(poolCapSchema) }) },
      404: { description: 'No such account', schema: problemSchema },
    },
    handler: async ({ deps, params }) => ({
      status: 200,
      body: { data: await poolCapsOf(deps.ledger.db, params.id, deps.ledger.clock()) },
    }),
  });

  define({
    method: 'delete',
    path: '/v1/accounts/{id}/pool-caps/{creditType}',
    summary: 'Remove a pool member’s cap',
    description: 'The member draws on its pool as any member again. Answers the cap as it was.',
    tags: ['Accounts'],
    scopes: ['admin'],
    access: { path: ['id'] },
    params: capParams,
    audit: { action: 'pool_cap.remove', targetType: 'account' },
    idempotent: true,
    responses: {
      200: { description: 'Removed', schema: poolCapSchema },
      404: { description: 'No such account or no cap', schema: problemSchema },
    },
    handler: async ({ deps, params }) => ({
      status: 200,
      body: await removePoolCap(deps.ledger.db, params.id, params.creditType, deps.ledger.clock()),
    }),
  });
}
