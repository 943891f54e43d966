import { z } from 'zod';
import { entryTypes } from '../../db/schema.js';
import { getBalances, getBalancesAt, listEntries, requireAccount } from '../../ledger/index.js';
import { ValidationError } from '../../errors.js';
import type { DefineRoute } from '../route.js';
import { accountIdParams, creditTypeId, isoTime, pageQuery, problemSchema } from '../schemas/common.js';
import { balanceSchema, entrySchema } from '../schemas/ledger.js';

export function registerHistoryRoutes(define: DefineRoute): void {
  define({
    method: 'get',
    path: '/v1/accounts/{id}/balance',
    summary: 'Balance per credit type',
    description:
      'available, held, pending and total per credit type, with the grants behind them. `at` gives the balance as it was at that past instant.',
    tags: ['Balances'],
    scopes: ['admin', 'service', 'support', 'finance', 'customer'],
    params: accountIdParams,
    query: z.object({ at: isoTime.optional() }),
    responses: { 200: { description: 'Balances', schema: balanceSchema }, 404: { description: 'Not found', schema: problemSchema } },
    handler: async ({ deps, params, query, authorizeAccount }) => {
      authorizeAccount(params.id);
      await requireAccount(deps.db, params.id);
      const now = deps.clock();
      if (query.at && query.at > now) {
        throw new ValidationError('`at` is in the future', [{ path: 'query.at', message: 'must not be later than now' }]);
      }
      const body = query.at ? await getBalancesAt(deps.db, params.id, query.at) : await getBalances(deps.db, params.id, now);
      return { status: 200, body };
    },
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/transactions',
    summary: 'Ledger history',
    description:
      'Ledger entries, newest first. Entries of one operation share a transactionId. Page with `cursor` = the previous page’s nextCursor.',
    tags: ['Balances'],
    scopes: ['admin', 'service', 'support', 'finance', 'customer'],
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
      cursor: z.string().regex(/^\d+$/, 'use the nextCursor of the previous page').optional(),
    }),
    responses: {
      200: { description: 'A page of entries', schema: z.object({ data: z.array(entrySchema), nextCursor: z.string().nullable() }) },
    },
    handler: async ({ deps, params, query, authorizeAccount }) => {
      authorizeAccount(params.id);
      await requireAccount(deps.db, params.id);
      const page = await listEntries(deps.db, params.id, {
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
