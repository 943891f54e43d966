import { z } from 'zod';
import { planCatalog } from '../../grants/plans.js';
import type { DefineRoute } from '../route.js';
import { decimalString } from '../schemas/common.js';

const readers = ['service', 'admin', 'support', 'finance', 'customer'] as const;

const rolloverSchema = z.union([
  z.strictObject({ rule: z.literal('none') }),
  z.strictObject({ rule: z.literal('capped'), cap: z.string(), expiresAfterPeriods: z.number().int() }),
  z.strictObject({ rule: z.literal('full'), expiresAfterPeriods: z.number().int() }),
]);
const planSchema = z
  .object({
    planId: z.string(),
    description: z.string(),
    creditType: z.string(),
    amount: decimalString.meta({ description: 'Credits issued each period.' }),
    period: z.strictObject({ unit: z.enum(['day', 'month', 'year']), count: z.number().int() }),
    rollover: rolloverSchema,
    price: z.strictObject({ amount: decimalString, currency: z.string() }).nullable().meta({
      description:
        'Charged at each period start, in the currency’s minor units (e.g. "45.00" USD); 0 is the free tier; null: never charged (versions before prices).',
    }),
  })
  .meta({ id: 'Plan' });
const planVersionSchema = z
  .object({
    version: z.string(),
    description: z.string().nullable(),
    latest: z.boolean().meta({ description: 'New subscriptions without a planVersion start on this one.' }),
    plans: z.array(planSchema),
  })
  .meta({ id: 'PlanVersion' });

/** The plan catalog (plans/*.yaml) over HTTP, for a pricing page. */
export function registerPlanRoutes(define: DefineRoute): void {
  define({
    method: 'get',
    path: '/v1/plans',
    summary: 'List plan versions and their plans',
    description:
      'Every version of the plan files (plans/*.yaml), oldest first, each with its plans: description, credit type, allotment, period, rollover rule and price. `latest` is the version new subscriptions start on by default. Released versions never change.',
    tags: ['Subscriptions'],
    scopes: readers,
    access: { anyKey: true },
    responses: { 200: { description: 'Plan versions', schema: z.object({ data: z.array(planVersionSchema) }) } },
    handler: () => {
      const catalog = planCatalog();
      const latest = catalog.latestVersion();
      const data = catalog.listVersions().map(({ plans, ...v }) => ({ ...v, latest: v.version === latest, plans }));
      return Promise.resolve({ status: 200, body: { data } });
    },
  });
}
