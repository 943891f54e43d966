import { z } from 'zod';
import { auditContextOf } from '../../audit/request-context.js';
import { anyEventSchema, eventEnvelopes, eventTypes } from '../../notifications/catalog.js';
import {
  balanceAlertsOf,
  deliveries,
  endpointById,
  endpoints,
  registerEndpoint,
  removeEndpoint,
  replay,
  rotateSecret,
  setBalanceAlert,
} from '../../notifications/service.js';
import { ownerOf } from '../owners.js';
import type { DefineRoute } from '../route.js';
import { accountIdParams, creditTypeId, decimalString, idString, problemSchema } from '../schemas/common.js';

const endpointIdParams = z.strictObject({ id: z.string().regex(/^we_[0-9a-f]{32}$/, 'a webhook endpoint id (we_…)') });
const deliveryIdParams = z.strictObject({ id: z.string().regex(/^whd_[0-9a-f]{32}$/, 'a webhook delivery id (whd_…)') });

const endpointSchema = z
  .object({
    id: z.string(),
    accountId: z.string().nullable().meta({ description: 'null: events of every account (admin and service keys only)' }),
    url: z.string(),
    eventTypes: z.array(z.string()),
    description: z.string().nullable(),
    mode: z.enum(['live', 'test']).meta({ description: 'The key’s mode when registered: receives events of accounts of this mode only' }),
    createdAt: z.string(),
    previousSecretExpiresAt: z.string().nullable(),
  })
  .meta({ id: 'WebhookEndpoint' });
const endpointWithSecretSchema = endpointSchema
  .extend({
    secret: z.string().meta({ description: 'whsec_… — shown only here; verify deliveries with it (src/notifications/verify.ts)' }),
  })
  .meta({ id: 'WebhookEndpointWithSecret' });

const deliverySchema = z
  .object({
    id: z.string(),
    endpointId: z.string(),
    eventId: z.string(),
    sequence: z.string(),
    accountId: z.string().nullable(),
    status: z.enum(['pending', 'succeeded', 'failed', 'cancelled']),
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    replays: z.number().int(),
    createdAt: z.string(),
    lastAttemptAt: z.string().nullable(),
    completedAt: z.string().nullable(),
  })
  .meta({ id: 'WebhookDelivery' });

const settingSchema = z
  .object({ accountId: z.string(), creditType: z.string(), lowThreshold: decimalString, rearmAt: decimalString })
  .meta({ id: 'BalanceAlertSetting' });

const eventTypeSchema = z
  .strictObject({ type: z.string(), schemaVersion: z.number().int(), description: z.string() })
  .meta({ id: 'EventType' });

export function registerNotificationRoutes(define: DefineRoute): void {
  define({
    method: 'get',
    path: '/v1/event-types',
    summary: 'The event catalog',
    description:
      'Every event type with its payload schema version. The 200 response schema documents each versioned envelope (`WebhookEvent`): the body of a webhook delivery. Receivers order one account’s events by `sequence`; delivery order is not guaranteed (retries).',
    tags: ['Webhooks'],
    scopes: ['admin', 'service', 'support', 'finance', 'customer'],
    access: { anyKey: true },
    responses: {
      200: {
        description:
          'Event types. `envelope` is never sent here: its schema documents the body of each event (WebhookEvent, one Event_… component per type and version)',
        schema: z.strictObject({ data: z.array(eventTypeSchema), envelope: anyEventSchema.optional() }),
      },
    },
    handler: () =>
      Promise.resolve({
        status: 200,
        body: { data: eventEnvelopes.map((e) => ({ type: e.type, schemaVersion: e.version, description: e.description })) },
      }),
  });

  define({
    method: 'post',
    path: '/v1/webhook-endpoints',
    summary: 'Register a webhook endpoint',
    description:
      'Deliveries are POSTed as JSON and signed the Standard Webhooks way (webhook-id, webhook-timestamp, webhook-signature: v1,<HMAC-SHA256>); verify with src/notifications/verify.ts. The secret is returned once. `eventTypes` may contain `*`.',
    tags: ['Webhooks'],
    scopes: ['admin', 'service', 'customer'],
    access: { body: ['accountId'] },
    body: z.strictObject({
      url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
      eventTypes: z.array(z.enum(['*', ...eventTypes] as [string, ...string[]])).min(1),
      accountId: idString.optional().meta({ description: 'Only this account’s events; omit for all accounts (not for customer keys)' }),
      description: z.string().max(500).optional(),
    }),
    example: { url: 'https://hooks.acme.com/burndown', eventTypes: ['balance.low', 'balance.depleted'], accountId: 'acme' },
    idempotent: true,
    shownOnce: ['secret'],
    responses: {
      201: { description: 'Created', schema: endpointWithSecretSchema },
      409: { description: 'The account has WEBHOOK_MAX_ENDPOINTS_PER_ACCOUNT endpoints already', schema: problemSchema },
    },
    handler: async (ctx) => {
      const { deps, body, account, actor } = ctx;
      const endpoint = await registerEndpoint(
        deps,
        {
          accountId: account,
          url: body.url,
          eventTypes: body.eventTypes,
          description: body.description,
          createdBy: actor,
          mode: ctx.mode,
        },
        auditContextOf(ctx),
      );
      return { status: 201, body: endpoint, headers: { Location: `/v1/webhook-endpoints/${endpoint.id}` } };
    },
  });

  define({
    method: 'get',
    path: '/v1/webhook-endpoints',
    summary: 'List webhook endpoints',
    tags: ['Webhooks'],
    scopes: ['admin', 'service', 'support', 'customer'],
    access: { query: 'accountId' },
    query: z.strictObject({ accountId: idString.optional() }),
    responses: { 200: { description: 'Endpoints', schema: z.strictObject({ data: z.array(endpointSchema) }) } },
    handler: async ({ deps, account, mode }) => ({ status: 200, body: { data: await endpoints(deps, account, mode) } }),
  });

  define({
    method: 'get',
    path: '/v1/webhook-endpoints/{id}',
    summary: 'Get a webhook endpoint',
    tags: ['Webhooks'],
    scopes: ['admin', 'service', 'support', 'customer'],
    access: { owner: ownerOf.webhookEndpoint },
    params: endpointIdParams,
    responses: { 200: { description: 'The endpoint', schema: endpointSchema }, 404: { description: 'Not found', schema: problemSchema } },
    handler: async ({ deps, params }) => ({ status: 200, body: await endpointById(deps, params.id) }),
  });

  define({
    method: 'delete',
    path: '/v1/webhook-endpoints/{id}',
    summary: 'Delete a webhook endpoint',
    description: 'No new deliveries are made to it; pending ones are cancelled at their next attempt.',
    tags: ['Webhooks'],
    scopes: ['admin', 'service', 'customer'],
    access: { owner: ownerOf.webhookEndpoint },
    params: endpointIdParams,
    idempotent: true,
    responses: { 204: { description: 'Deleted' }, 404: { description: 'Not found', schema: problemSchema } },
    handler: async (ctx) => {
      await removeEndpoint(ctx.deps, ctx.params.id, auditContextOf(ctx));
      return { status: 204, body: undefined };
    },
  });

  define({
    method: 'post',
    path: '/v1/webhook-endpoints/{id}/rotate-secret',
    summary: 'Rotate an endpoint secret',
    description: `Returns the new secret. Until previousSecretExpiresAt (WEBHOOK_SECRET_ROTATION_GRACE_HOURS) every delivery carries two signatures, one per secret, so receivers can switch at their own pace.`,
    tags: ['Webhooks'],
    scopes: ['admin', 'service', 'customer'],
    access: { owner: ownerOf.webhookEndpoint },
    params: endpointIdParams,
    idempotent: true,
    shownOnce: ['secret'],
    responses: {
      200: { description: 'Rotated', schema: endpointWithSecretSchema },
      404: { description: 'Not found', schema: problemSchema },
    },
    handler: async (ctx) => ({ status: 200, body: await rotateSecret(ctx.deps, ctx.params.id, auditContextOf(ctx)) }),
  });

  define({
    method: 'get',
    path: '/v1/webhook-deliveries',
    summary: 'List webhook deliveries (status=failed: the dead-letter list)',
    description:
      'Newest first. A delivery is `failed` once its last retry (about 3 days of backoff) did not succeed; replay it with POST /v1/webhook-deliveries/{id}/replay.',
    tags: ['Webhooks'],
    scopes: ['admin', 'service', 'support', 'customer'],
    access: { query: 'accountId' },
    query: z.strictObject({
      accountId: idString.optional().meta({ description: 'Deliveries to this account’s endpoints' }),
      status: z.enum(['pending', 'succeeded', 'failed', 'cancelled']).optional(),
      endpointId: z.string().max(64).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
      cursor: z.string().optional(),
    }),
    responses: {
      200: {
        description: 'A page of deliveries',
        schema: z.strictObject({ data: z.array(deliverySchema), nextCursor: z.string().nullable() }),
      },
    },
    handler: async ({ deps, query, account, mode }) => ({
      status: 200,
      body: await deliveries(deps, {
        mode,
        status: query.status,
        endpointId: query.endpointId,
        endpointAccountId: account,
        before: query.cursor,
        limit: query.limit,
      }),
    }),
  });

  define({
    method: 'post',
    path: '/v1/webhook-deliveries/{id}/replay',
    summary: 'Replay a dead-lettered delivery',
    description:
      'Queues the delivery again with a fresh retry schedule; the same event id and body are sent (receivers deduplicate on webhook-id). 409 unless it is failed or cancelled.',
    tags: ['Webhooks'],
    scopes: ['admin', 'service', 'support', 'customer'],
    access: { owner: ownerOf.webhookDelivery },
    params: deliveryIdParams,
    idempotent: true,
    responses: {
      202: { description: 'Queued', schema: deliverySchema },
      404: { description: 'Not found', schema: problemSchema },
      409: { description: 'Not failed', schema: problemSchema },
    },
    handler: async (ctx) => ({ status: 202, body: await replay(ctx.deps, ctx.params.id, auditContextOf(ctx)) }),
  });

  define({
    method: 'post',
    path: '/v1/accounts/{id}/balance-alerts',
    summary: 'Set the low-balance threshold of one credit type',
    description:
      'balance.low fires once when the balance drops below lowThreshold and re-arms only when it is back at rearmAt or above (hysteresis). Default rearmAt: lowThreshold plus LOW_BALANCE_REARM_PERCENT, rounded up. 0 turns it off.',
    tags: ['Webhooks'],
    scopes: ['admin', 'service', 'support', 'customer'],
    access: { path: ['id'] },
    params: accountIdParams,
    body: z.strictObject({ creditType: creditTypeId, lowThreshold: decimalString, rearmAt: decimalString.optional() }),
    example: { creditType: 'ai', lowThreshold: '100', rearmAt: '150' },
    idempotent: true,
    responses: { 200: { description: 'Saved', schema: settingSchema } },
    handler: async (ctx) => ({
      status: 200,
      body: await setBalanceAlert(ctx.deps, { accountId: ctx.params.id, ...ctx.body }, auditContextOf(ctx)),
    }),
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/balance-alerts',
    summary: 'Low-balance thresholds of an account',
    description: 'Credit types without a row use LOW_BALANCE_DEFAULT_THRESHOLD.',
    tags: ['Webhooks'],
    scopes: ['admin', 'service', 'support', 'finance', 'customer'],
    access: { path: ['id'] },
    params: accountIdParams,
    responses: { 200: { description: 'Settings', schema: z.strictObject({ data: z.array(settingSchema) }) } },
    handler: async ({ deps, params }) => {
      return { status: 200, body: { data: await balanceAlertsOf(deps, params.id) } };
    },
  });
}
