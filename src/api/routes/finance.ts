import { WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { approveCloseUpdate, closeWorkflowId } from '../../contracts/finance.js';
import { quickBooksCsv, xeroCsv } from '../../finance/adapters/csv.js';
import { journalJson } from '../../finance/adapters/json.js';
import { readJournal } from '../../finance/close.js';
import { parsePeriod } from '../../finance/periods.js';
import { closeProgress, startClose } from '../../finance/progress.js';
import { listReconciliations } from '../../finance/reconciliation.js';
import { writeAudit } from '../../audit/audit-log.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../errors.js';
import type { DefineRoute } from '../route.js';
import { problemSchema } from '../schemas/common.js';
import { sendRaw } from '../response.js';

const periodParams = z.object({ period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month like 2026-01') });
const progressSchema = z
  .object({ period: z.string(), workflowId: z.string(), step: z.string().nullable(), status: z.string().nullable() })
  .catchall(z.unknown())
  .meta({ id: 'CloseProgress' });
const financeScopes = ['finance', 'admin'] as const;

export function registerFinanceRoutes(define: DefineRoute): void {
  define({
    method: 'post',
    path: '/v1/finance/periods/{period}/close',
    summary: 'Start the month-end close of a period',
    description:
      'Starts workflow `close-YYYY-MM`: waits out the late-event window, freezes the period, computes the journal, waits for approval by another person, posts to the accounting system. Starting it again returns the same close (only a failed close is started anew).',
    tags: ['Finance'],
    scopes: financeScopes,
    params: periodParams,
    idempotent: true,
    responses: { 202: { description: 'The close, started or already under way', schema: progressSchema } },
    handler: async ({ deps, params, actor, req, requestId }) => {
      const period = parsePeriod(params.period);
      const started = await startClose(deps.temporal, deps.config.TEMPORAL_TASK_QUEUE, {
        period: period.id,
        startedBy: actor,
        lateEventWindowMs: deps.config.LATE_EVENT_WINDOW_DAYS * 86_400_000,
      });
      if (started) {
        await writeAudit(deps.db, {
          actor,
          action: 'finance.period.close',
          targetType: 'period',
          targetId: period.id,
          sourceIp: req.ip,
          requestId,
          occurredAt: deps.clock(),
        });
      }
      const progress = await closeProgress(deps.db, deps.temporal, period.id);
      return { status: 202, body: { ...progress, started }, headers: { Location: `/v1/finance/periods/${period.id}` } };
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
    params: periodParams,
    responses: {
      200: { description: 'Progress', schema: progressSchema },
      404: { description: 'No close for this period', schema: problemSchema },
    },
    handler: async ({ deps, params }) => {
      const progress = await closeProgress(deps.db, deps.temporal, params.period);
      if (!progress) throw new NotFoundError('close', params.period);
      return { status: 200, body: progress };
    },
  });

  define({
    method: 'post',
    path: '/v1/finance/periods/{period}/approve',
    summary: 'Approve a computed journal',
    description:
      'Finance approval (a workflow Update). The person who started the close may not approve it (403); the journal must be computed (409 otherwise).',
    tags: ['Finance'],
    scopes: financeScopes,
    params: periodParams,
    idempotent: true,
    responses: {
      200: { description: 'Approved; posting follows', schema: progressSchema },
      403: { description: 'The starter cannot approve', schema: problemSchema },
      409: { description: 'Not awaiting approval', schema: problemSchema },
    },
    handler: async ({ deps, params, actor }) => {
      const progress = await closeProgress(deps.db, deps.temporal, params.period);
      if (!progress) throw new NotFoundError('close', params.period);
      if (progress.startedBy === actor) throw new ForbiddenError(`${actor} started the close of ${params.period} and cannot approve it`);
      if (progress.step !== 'awaiting_approval') {
        throw new ConflictError(
          'close_not_awaiting_approval',
          `The close of ${params.period} is ${progress.step ?? progress.status}, not awaiting approval`,
          { step: progress.step, closeStatus: progress.status },
        );
      }
      try {
        await deps.temporal.workflow
          .getHandle(closeWorkflowId(params.period))
          .executeUpdate(approveCloseUpdate, { args: [{ approver: actor }] });
      } catch (error) {
        const type = error instanceof WorkflowUpdateFailedError ? (error.cause as { type?: string } | undefined)?.type : undefined;
        if (type === 'self_approval') throw new ForbiddenError(`${actor} started the close of ${params.period} and cannot approve it`);
        if (type === 'already_approved' || type === 'close_failed')
          throw new ConflictError(
            type,
            (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : String(error),
          );
        throw error;
      }
      return { status: 200, body: await closeProgress(deps.db, deps.temporal, params.period) };
    },
  });

  define({
    method: 'get',
    path: '/v1/finance/periods/{period}/journal',
    summary: 'The computed journal of a period',
    description:
      '`format=json` (default), `quickbooks` or `xero` (CSV files those systems import). Amounts are exact decimal strings; each line records its reporting rate.',
    tags: ['Finance'],
    scopes: financeScopes,
    params: periodParams,
    query: z.object({ format: z.enum(['json', 'quickbooks', 'xero']).default('json') }),
    responses: { 200: { description: 'The journal' }, 404: { description: 'Not computed yet', schema: problemSchema } },
    handler: async ({ deps, params, query, req }) => {
      const lines = await readJournal(deps.db, params.period);
      if (
        lines.length === 0 &&
        !(await deps.db
          .selectFrom('finance_periods')
          .select('computed_at')
          .where('period', '=', params.period)
          .where('computed_at', 'is not', null)
          .executeTakeFirst())
      ) {
        throw new NotFoundError('journal', params.period);
      }
      if (query.format === 'json') return { status: 200, body: journalJson(params.period, lines) };
      const csv = query.format === 'quickbooks' ? quickBooksCsv(params.period, lines) : xeroCsv(params.period, lines);
      return sendRaw(req, 'text/csv; charset=utf-8', csv, `journal-${params.period}.${query.format}.csv`);
    },
  });

  define({
    method: 'get',
    path: '/v1/finance/periods/{period}/usage',
    summary: 'Usage summary of a closed period',
    description: 'Credits burned and revenue recognized by customer, feature and credit type (currency XXX: credits without cost basis).',
    tags: ['Finance'],
    scopes: financeScopes,
    params: periodParams,
    query: z.object({ customerId: z.string().optional(), limit: z.coerce.number().int().min(1).max(5000).default(1000) }),
    responses: { 200: { description: 'Usage rows' } },
    handler: async ({ deps, params, query }) => {
      let q = deps.db.selectFrom('finance_usage_summary').selectAll().where('period', '=', params.period);
      if (query.customerId) q = q.where('customer_id', '=', query.customerId);
      const rows = await q.orderBy(['customer_id', 'feature', 'credit_type', 'currency']).limit(query.limit).execute();
      return {
        status: 200,
        body: {
          period: params.period,
          usage: rows.map((r) => ({
            customerId: r.customer_id,
            feature: r.feature,
            creditType: r.credit_type,
            currency: r.currency,
            creditsBurnedUnits: r.credits_burned.toString(),
            revenueMinor: r.revenue_minor.toString(),
          })),
        },
      };
    },
  });

  define({
    method: 'post',
    path: '/v1/finance/periods/{period}/fx-rates',
    summary: 'Set reporting-currency rates for a period',
    description:
      'Units of the reporting currency per unit of each purchase currency; these win over the rates file. Refused once the period is posted.',
    tags: ['Finance'],
    scopes: financeScopes,
    params: periodParams,
    body: z.object({
      rates: z.record(z.string().regex(/^[A-Z]{3}$/), z.string().regex(/^\d{1,12}(\.\d{1,12})?$/, 'a decimal rate like 1.0842')),
    }),
    idempotent: true,
    responses: { 200: { description: 'Rates stored' }, 409: { description: 'Period already posted', schema: problemSchema } },
    handler: async ({ deps, params, body, actor }) => {
      const record = await deps.db.selectFrom('finance_periods').select('status').where('period', '=', params.period).executeTakeFirst();
      if (record?.status === 'posted')
        throw new ConflictError('period_posted', `${params.period} is posted; its rates can no longer change`);
      const now = deps.clock();
      await deps.db.transaction().execute(async (tx) => {
        for (const [currency, rate] of Object.entries(body.rates)) {
          await tx
            .insertInto('finance_fx_rates')
            .values({ period: params.period, currency, rate, set_by: actor, set_at: now })
            .onConflict((oc) => oc.columns(['period', 'currency']).doUpdateSet({ rate, set_by: actor, set_at: now }))
            .execute();
        }
        await writeAudit(tx, {
          actor,
          action: 'finance.fx_rates.set',
          targetType: 'period',
          targetId: params.period,
          after: body.rates,
          occurredAt: now,
        });
      });
      return { status: 200, body: { period: params.period, rates: body.rates } };
    },
  });

  define({
    method: 'get',
    path: '/v1/finance/reconciliations',
    summary: 'Nightly reconciliation reports',
    description:
      'Newest first: ledger invariants and posted journals against the accounting system; discrepancies are also an outbox event.',
    tags: ['Finance'],
    scopes: financeScopes,
    query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
    responses: { 200: { description: 'Reports' } },
    handler: async ({ deps, query }) => ({ status: 200, body: { reconciliations: await listReconciliations(deps.db, query.limit) } }),
  });
}
