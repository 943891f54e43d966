import { z } from 'zod';
import { MAX_EVENTS_PER_BATCH } from '../../consumption/usage-events/event-schema.js';
import { ingestEvents, usageEventView } from '../../consumption/service.js';
import type { DefineRoute } from '../route.js';
import { problemSchema } from '../schemas/common.js';
import { enforceRateLimit } from '../rate-limit.js';

const batchBody = z.object({
  events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_BATCH).meta({
    description:
      'Up to 1,000 events {id, accountId, feature, quantity | properties, timestamp}; each is validated and answered on its own.',
  }),
});
const resultSchema = z.object({
  index: z.number(),
  id: z.string().nullable(),
  status: z.enum(['accepted', 'duplicate', 'rejected']),
  reason: z
    .string()
    .optional()
    .meta({ description: 'invalid, unknown_account, unknown_feature, no_pricing, missing_quantity, late_event, future_event' }),
  detail: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
const batchResponse = z
  .object({ accepted: z.number(), duplicates: z.number(), rejected: z.number(), results: z.array(resultSchema) })
  .meta({ id: 'UsageEventBatchResult' });
const usageEventSchema = z.object({}).passthrough().meta({
  id: 'UsageEvent',
  description: 'The event, its rating (rule version, inputs, cost), status and the ledger entries it produced.',
});

export function registerUsageEventRoutes(define: DefineRoute): void {
  define({
    method: 'post',
    path: '/v1/events',
    summary: 'Send usage events (asynchronous burn)',
    description:
      'Accepted events are stored durably before the 202 and burned in the background in event-time order, rated with the pricing version in force at each event’s time. Duplicates (by event id, forever) are ignored; events older than LATE_EVENT_WINDOW_DAYS are rejected with reason late_event.',
    tags: ['Consumption'],
    scopes: ['service', 'admin'],
    body: batchBody,
    idempotent: true,
    responses: {
      202: { description: 'Per-event results', schema: batchResponse },
      429: { description: 'Rate limited (Retry-After)', schema: problemSchema },
    },
    handler: async ({ deps, body, principal }) => {
      const accounts = new Set(
        body.events.flatMap((e) =>
          typeof (e as { accountId?: unknown })?.accountId === 'string' ? [(e as { accountId: string }).accountId] : [],
        ),
      );
      for (const accountId of accounts) enforceRateLimit(deps, accountId);
      const mayUse = (accountId: string) => principal.accountId === null || principal.accountId === accountId;
      return { status: 202, body: await ingestEvents(deps, body.events, mayUse) };
    },
  });

  define({
    method: 'get',
    path: '/v1/usage-events/{id}',
    summary: 'Trace a usage event',
    description:
      'The event, its rating (rule version, inputs, computed cost), its status and the ledger entries its burn produced (each entry carries usageEventId).',
    tags: ['Consumption'],
    scopes: ['service', 'admin', 'support', 'finance', 'customer'],
    params: z.object({ id: z.string().min(1).max(128) }),
    responses: {
      200: { description: 'The event and its trace', schema: usageEventSchema },
      404: { description: 'Not found', schema: problemSchema },
    },
    handler: async ({ deps, params, authorizeAccount }) => {
      const view = await usageEventView(deps, params.id);
      authorizeAccount(view.accountId);
      return { status: 200, body: view };
    },
  });
}
