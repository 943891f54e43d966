import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { problemSchema } from './schemas/common.js';

/** Request headers that may appear in the request log; everything else (credentials, signatures, cookies) is left out. */
const LOGGED_HEADERS = ['host', 'user-agent', 'content-type', 'content-length', 'x-request-id', 'idempotency-key', 'x-forwarded-for'];

/** pino-http's request serializer: method, URL and the allowed headers, never Authorization or a signature. */
export function requestLogView(req: IncomingMessage & { id?: unknown; raw?: IncomingMessage }) {
  const raw = req.raw ?? req;
  const headers = Object.fromEntries(LOGGED_HEADERS.filter((h) => raw.headers[h] !== undefined).map((h) => [h, raw.headers[h]]));
  return { id: req.id, method: raw.method, url: raw.url, headers, remoteAddress: raw.socket?.remoteAddress };
}

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: problemSchema } } });

/**
 * The routes that do not take an API key, in the same document: health,
 * readiness and the two inbound webhooks (each authenticated by its
 * sender's signature over the raw body).
 */
export function registerUnauthenticatedPaths(registry: OpenAPIRegistry): void {
  const common = {
    400: problem('Malformed request'),
    413: problem('Body too large'),
    415: problem('Not application/json'),
    429: problem('Rate limited'),
  };
  registry.registerPath({
    method: 'get',
    path: '/healthz',
    summary: 'Liveness',
    tags: ['Health'],
    security: [],
    responses: {
      200: { description: 'The process is up', content: { 'application/json': { schema: z.strictObject({ status: z.literal('ok') }) } } },
    },
  });
  const checks = z.array(z.strictObject({ name: z.string(), ok: z.boolean() }));
  registry.registerPath({
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: PostgreSQL and Temporal reachable',
    tags: ['Health'],
    security: [],
    responses: {
      200: { description: 'Ready', content: { 'application/json': { schema: z.strictObject({ status: z.literal('ready'), checks }) } } },
      503: problem('Not ready; `checks` says which dependency (never why: that is logged)'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/webhooks/stripe',
    summary: 'Stripe webhooks (signed with Stripe-Signature)',
    description:
      'Authenticated by the Stripe-Signature HMAC over the raw body (STRIPE_WEBHOOK_SECRET); a repeated event id is acknowledged and ignored.',
    tags: ['Payments'],
    security: [],
    request: {
      headers: z.strictObject({ 'stripe-signature': z.string().meta({ description: 't=<timestamp>,v1=<HMAC-SHA256>' }) }),
      body: {
        content: {
          'application/json': {
            schema: z.object({ id: z.string(), type: z.string(), data: z.object({}).passthrough() }).passthrough(),
            example: { id: 'evt_1Q', type: 'payment_intent.succeeded', data: { object: { id: 'pi_1Q' } } },
          },
        },
        required: true,
      },
    },
    responses: {
      200: {
        description: 'Received',
        content: {
          'application/json': { schema: z.object({ received: z.literal(true), id: z.string(), outcome: z.unknown() }).passthrough() },
        },
      },
      ...common,
      500: problem('Processing failed; Stripe retries'),
      503: problem('STRIPE_WEBHOOK_SECRET is not set'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/hubspot/webhooks',
    summary: 'HubSpot webhooks (signature v3)',
    description:
      'company.propertyChange (domain, hubspot_owner_id) and company.deletion; authenticated by X-HubSpot-Signature-v3 over method, URL, raw body and timestamp (at most 5 minutes old); a replayed delivery is acknowledged and not applied again.',
    tags: ['HubSpot'],
    security: [],
    request: {
      headers: z.strictObject({ 'x-hubspot-signature-v3': z.string(), 'x-hubspot-request-timestamp': z.string() }),
      body: {
        content: {
          'application/json': {
            schema: z.array(z.object({ subscriptionType: z.string(), objectId: z.union([z.number(), z.string()]) }).passthrough()),
            example: [{ subscriptionType: 'company.propertyChange', objectId: 1234567, propertyName: 'domain', propertyValue: 'acme.com' }],
          },
        },
        required: true,
      },
    },
    responses: {
      200: {
        description: 'Applied (or a replay, ignored)',
        content: { 'application/json': { schema: z.object({ applied: z.number(), ignored: z.number() }).passthrough() } },
      },
      401: problem('The signature does not verify'),
      ...common,
    },
  });
}
