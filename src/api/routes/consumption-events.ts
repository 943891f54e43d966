import { z } from 'zod';
import { MAX_EVENTS_PER_BATCH, usageEventSchema as eventItemSchema } from '../../consumption/usage-events/event-schema.js';
import { ingestEvents, usageEventView } from '../../consumption/service.js';
import type { DefineRoute } from '../route.js';
import { idString, problemSchema } from '../schemas/common.js';

const batchBody = z.strictObject({
  events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_BATCH).meta({
    description:
      'Up to 1,000 events {id, accountId, feature, quantity | properties, timestamp}; each is validated and answered on its own.',
  }),
});
const resultSchema = z.strictObject({
  index: z.number(),
  id: z.string().nullable(),
  status: z.enum(['accepted', 'duplicate', 'rejected']),
  reason: z
    .string()
    .optional()
    .meta({ description: 'invalid, unknown_account, unknown_feature, no_pricing, missing_quantity, late_event, future_event' }),
  detail: z.string().optional(),
  errors: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
});
const batchResponse = z
  .strictObject({ accepted: z.number(), duplicates: z.number(), rejected: z.number(), results: z.array(resultSchema) })
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
      'Accepted events are stored durably before the 202 and burned in the background in event-time order, rated with the pricing version in force at each event’s time. Duplicates (by account and event id, forever) are ignored; events older than LATE_EVENT_WINDOW_DAYS are rejected with reason late_event.',
    tags: ['Consumption'],
    scopes: ['service', 'admin'],
    access: { items: { array: 'events', field: 'accountId' } },
    body: batchBody,
    documentedBody: z.strictObject({ events: z.array(eventItemSchema).min(1).max(MAX_EVENTS_PER_BATCH) }),
    example: {
      events: [
        { id: 'evt-2026-01-12-000041', accountId: 'acme', feature: 'chat', quantity: '1200', timestamp: '2026-01-12T09:30:00Z' },
        { id: 'evt-2026-01-12-000042', accountId: 'acme', feature: 'image', properties: { images: 2 }, timestamp: '2026-01-12T09:31:00Z' },
      ],
    },
    accountRateLimit: true,
    idempotent: true,
    responses: {
      202: { description: 'Per-event results', schema: batchResponse },
      429: { description: 'Rate limited (Retry-After)', schema: problemSchema },
    },
    handler: async ({ deps, body, mayUse }) => ({ status: 202, body: await ingestEvents(deps, body.events, mayUse) }),
  });

  define({
    method: 'get',
    path: '/v1/usage-events/{id}',
    summary: 'Trace a usage event',
    description:
      'The event, its rating (rule version, inputs, computed cost), its status and the ledger entries its burn produced (each entry carries usageEventId).',
    tags: ['Consumption'],
    scopes: ['service', 'admin', 'support', 'finance', 'customer'],
    access: { query: 'accountId' },
    params: z.strictObject({ id: z.string().min(1).max(128) }),
    query: z.strictObject({
      accountId: idString
        .optional()
        .meta({ description: 'The sending account: event ids are unique per account (required when two accounts used the id)' }),
    }),
    responses: {
      200: { description: 'The event and its trace', schema: usageEventSchema },
      404: { description: 'Not found', schema: problemSchema },
      409: { description: 'Several accounts sent an event with this id: give accountId', schema: problemSchema },
    },
    handler: async ({ deps, params, account, mode }) => {
      return { status: 200, body: await usageEventView(deps, params.id, account, mode) };
    },
  });
}
