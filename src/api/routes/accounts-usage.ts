import { z } from 'zod';
import { balanceSummaryOf, usageOf } from '../../accounts/service.js';
import { granularities, usageGroupings } from '../../accounts/usage-report.js';
import { conditionalGet } from '../conditional.js';
import type { DefineRoute } from '../route.js';
import { notBilledSchema } from '../schemas/usage.js';
import { accountIdParams, creditTypeId, decimalString, isoTime, problemSchema } from '../schemas/common.js';

const readers = ['admin', 'service', 'support', 'finance', 'customer', 'wallet'] as const;

/** A time zone both ICU and (checked again by the query) PostgreSQL know. */
const timeZone = z
  .string()
  .max(64)
  .default('UTC')
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'an IANA time zone such as Europe/Paris or America/New_York');

const signedDecimal = z.string().regex(/^-?\d+(\.\d+)?$/);
const usageSchema = z
  .object({
    accountId: z.string(),
    timeZone: z.string(),
    granularity: z.enum(granularities),
    groupBy: z.enum(usageGroupings),
    from: z.string(),
    to: z.string(),
    resolutionMinutes: z.union([z.literal(15), z.literal(60)]),
    buckets: z.array(z.object({ start: z.string(), end: z.string() })),
    series: z.array(
      z.object({
        creditType: z.string(),
        feature: z.string().nullable(),
        userId: z.string().optional().meta({ description: 'Only with groupBy=user: the user the burns were for' }),
        burned: z.array(decimalString),
        refunded: z.array(decimalString),
        totalBurned: decimalString,
        totalRefunded: decimalString,
      }),
    ),
    notBilled: notBilledSchema,
  })
  .meta({ id: 'UsageReport' });

const summarySchema = z
  .object({
    accountId: z.string(),
    balances: z.array(
      z.object({
        creditType: z.string(),
        name: z.string(),
        precision: z.number().int(),
        available: signedDecimal,
        held: decimalString,
        pending: decimalString,
        overdraftUsed: decimalString,
        expiring: z.array(z.object({ expiresAt: z.string(), amount: decimalString })),
        neverExpiring: decimalString,
        burnRate: z.object({ perDay7d: decimalString, perDay30d: decimalString }),
        depletesAt: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'BalanceSummary' });

/** The account reads of the wallet: usage over time and the balance summary (src/accounts/usage-report.ts, balance-summary.ts). */
export function registerAccountUsageRoutes(define: DefineRoute): void {
  define({
    method: 'get',
    path: '/v1/accounts/{id}/usage',
    summary: 'Usage over time',
    description:
      'Credits burned (and refunded) per day, ISO week or month, by feature, by credit type or by user (`groupBy=user`: the burns of deducts, holds and usage events that named a `userId`, read from the ledger entries), with bucket edges in `timeZone` (DST included). `from` moves back to the start of its bucket, `to` (default: now) forward to the end of its bucket; at most 1,000 buckets. Served from hourly and 15-minute rollups, so the cost does not grow with the number of ledger entries. `notBilled` lists the usage events of the range refused as late (never billed), with the late-event window.',
    tags: ['Balances'],
    scopes: readers,
    access: { path: ['id'] },
    params: accountIdParams,
    query: z.strictObject({
      from: isoTime,
      to: isoTime.optional(),
      granularity: z.enum(granularities).default('day'),
      groupBy: z.enum(usageGroupings).default('feature'),
      timeZone,
      creditType: creditTypeId.optional(),
    }),
    responses: {
      200: { description: 'Buckets and one series per group', schema: usageSchema },
      404: { description: 'No such account', schema: problemSchema },
    },
    handler: async ({ deps, params, query }) => {
      return { status: 200, body: await usageOf(deps, params.id, query) };
    },
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/balance-summary',
    summary: 'Balance, expiring credits, burn rate and forecast',
    description:
      'Per credit type: available, held and pending; spendable credits that expire (per expiry instant) apart from those that never expire; the net burn per day over 7 and 30 days; and when the balance runs out at that rate. The body names no request time, so its ETag changes only when the account does: poll it with If-None-Match and get 304 until then.',
    tags: ['Balances'],
    scopes: readers,
    access: { path: ['id'] },
    params: accountIdParams,
    responses: {
      200: { description: 'The summary', schema: summarySchema },
      304: { description: 'Unchanged since the ETag sent in If-None-Match' },
      404: { description: 'No such account', schema: problemSchema },
    },
    handler: async ({ deps, params, req }) => {
      // Always revalidated; never kept by a shared cache (it is one account's data).
      return conditionalGet(req, await balanceSummaryOf(deps, params.id), { 'Cache-Control': 'private, no-cache' });
    },
  });
}
