import { z } from 'zod';
import { auditContextOf } from '../../audit/request-context.js';
import {
  approvePeriodClose,
  periodCloseProgress,
  periodJournal,
  periodList,
  periodUsage,
  reconciliationReports,
  setPeriodFxRates,
  startPeriodClose,
} from '../../finance/service.js';
import type { DefineRoute } from '../route.js';
import { problemSchema } from '../schemas/common.js';
import { sendRaw } from '../response.js';

const periodParams = z.strictObject({ period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month like 2026-01') });
const progressSchema = z
  .object({ period: z.string(), workflowId: z.string(), step: z.string().nullable(), status: z.string().nullable() })
  .catchall(z.unknown())
  .meta({ id: 'CloseProgress' });
const financeScopes = ['finance', 'admin'] as const;
const periodSchema = z
  .object({
    period: z.string(),
    status: z.string().nullable(),
    step: z.string().nullable(),
    startedBy: z.string(),
    startedAt: z.string(),
    approvedBy: z.string().nullable(),
    postedAt: z.string().nullable(),
    error: z.string().nullable(),
    revenue: z.array(
      z.object({
        currency: z.string(),
        sold: z.string(),
        recognized: z.string(),
        breakage: z.string(),
        voided: z.string(),
        closingDeferred: z.string(),
      }),
    ),
  })
  .meta({ id: 'FinancePeriod' });

export function registerFinanceRoutes(define: DefineRoute): void {
  define({
    method: 'get',
    path: '/v1/finance/periods',
    summary: 'Periods with a month-end close',
    description:
      'Newest first: each close’s status, its live step while under way, and the month’s revenue per purchase currency once computed (sold, recognized, breakage, voided, deferred at the end of the month).',
    tags: ['Finance'],
    scopes: financeScopes,
    access: { global: true, liveOnly: true },
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(120).default(24) }),
    responses: { 200: { description: 'Periods', schema: z.object({ data: z.array(periodSchema) }) } },
    handler: async ({ deps, query }) => ({ status: 200, body: { data: await periodList(deps, query.limit) } }),
  });

  define({
    method: 'post',
    path: '/v1/finance/periods/{period}/close',
    summary: 'Start the month-end close of a period',
    description:
      'Starts workflow `close-YYYY-MM`: waits out the late-event window, freezes the period, computes the journal, waits for approval by another person, posts to the accounting system. Starting it again returns the same close (only a failed close is started anew).',
    tags: ['Finance'],
    scopes: financeScopes,
    access: { global: true, liveOnly: true },
    params: periodParams,
    idempotent: true,
    responses: { 202: { description: 'The close, started or already under way', schema: progressSchema } },
    handler: async (ctx) => {
      const { period, started, progress } = await startPeriodClose(ctx.deps, ctx.params.period, auditContextOf(ctx));
      return { status: 202, body: { ...progress, started }, headers: { Location: `/v1/finance/periods/${period}` } };
    },
  });

  define({
    method: 'get',
    path: '/v1/finance/periods/{period}',
    summary: 'Progress of a period’s close',
    description:
      'The live step (workflow query) over the persisted state: who started and approved it, when it froze, the journal totals and the posting result.',
    tags: ['Finance'],
    scopes: financeScopes,
    access: { global: true, liveOnly: true },
    params: periodParams,
    responses: {
      200: { description: 'Progress', schema: progressSchema },
      404: { description: 'No close for this period', schema: problemSchema },
    },
    handler: async ({ deps, params }) => ({ status: 200, body: await periodCloseProgress(deps, params.period) }),
  });

  define({
    method: 'post',
    path: '/v1/finance/periods/{period}/approve',
    summary: 'Approve a computed journal',
    description:
      'Finance approval (a workflow Update). The person who started the close may not approve it (403); the journal must be computed (409 otherwise).',
    tags: ['Finance'],
    scopes: financeScopes,
    access: { global: true, liveOnly: true },
    params: periodParams,
    idempotent: true,
    responses: {
      200: { description: 'Approved; posting follows', schema: progressSchema },
      403: { description: 'The starter cannot approve', schema: problemSchema },
      409: { description: 'Not awaiting approval', schema: problemSchema },
    },
    handler: async ({ deps, params, actor }) => ({ status: 200, body: await approvePeriodClose(deps, params.period, actor) }),
  });

  define({
    method: 'get',
    path: '/v1/finance/periods/{period}/journal',
    summary: 'The computed journal of a period',
    description:
      '`format=json` (default), `quickbooks` or `xero` (CSV files those systems import). Amounts are exact decimal strings; each line records its reporting rate.',
    tags: ['Finance'],
    scopes: financeScopes,
    access: { global: true, liveOnly: true },
    params: periodParams,
    query: z.strictObject({ format: z.enum(['json', 'quickbooks', 'xero']).default('json') }),
    responses: { 200: { description: 'The journal' }, 404: { description: 'Not computed yet', schema: problemSchema } },
    handler: async ({ deps, params, query, req }) => {
      const journal = await periodJournal(deps, params.period, query.format);
      if ('json' in journal) return { status: 200, body: journal.json };
      return sendRaw(req, 'text/csv; charset=utf-8', journal.csv, journal.filename);
    },
  });

  define({
    method: 'get',
    path: '/v1/finance/periods/{period}/usage',
    summary: 'Usage summary of a closed period',
    description: 'Credits burned and revenue recognized by customer, feature and credit type (currency XXX: credits without cost basis).',
    tags: ['Finance'],
    scopes: financeScopes,
    access: { global: true, liveOnly: true },
    params: periodParams,
    query: z.strictObject({ customerId: z.string().optional(), limit: z.coerce.number().int().min(1).max(5000).default(1000) }),
    responses: { 200: { description: 'Usage rows' } },
    handler: async ({ deps, params, query }) => ({ status: 200, body: await periodUsage(deps, params.period, query) }),
  });

  define({
    method: 'post',
    path: '/v1/finance/periods/{period}/fx-rates',
    summary: 'Set reporting-currency rates for a period',
    description:
      'Units of the reporting currency per unit of each purchase currency; these win over the rates file. Refused once the period is posted.',
    tags: ['Finance'],
    scopes: financeScopes,
    access: { global: true, liveOnly: true },
    params: periodParams,
    body: z.strictObject({
      rates: z.record(z.string().regex(/^[A-Z]{3}$/), z.string().regex(/^\d{1,12}(\.\d{1,12})?$/, 'a decimal rate like 1.0842')),
    }),
    example: { rates: { EUR: '1.0842', GBP: '1.2710' } },
    idempotent: true,
    responses: { 200: { description: 'Rates stored' }, 409: { description: 'Period already posted', schema: problemSchema } },
    handler: async ({ deps, params, body, actor }) => ({
      status: 200,
      body: await setPeriodFxRates(deps, params.period, body.rates, actor),
    }),
  });

  define({
    method: 'get',
    path: '/v1/finance/reconciliations',
    summary: 'Nightly reconciliation reports',
    description:
      'Newest first: ledger invariants and posted journals against the accounting system; discrepancies are also an outbox event.',
    tags: ['Finance'],
    scopes: financeScopes,
    access: { global: true, liveOnly: true },
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
    responses: { 200: { description: 'Reports' } },
    handler: async ({ deps, query }) => ({ status: 200, body: await reconciliationReports(deps, query.limit) }),
  });
}
