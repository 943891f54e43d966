import type express from 'express';
import { z } from 'zod';
import { applyInboundEvents, hubSpotLinkOf, hubSpotSignatureValid, linkToHubSpot } from '../../crm/service.js';
import type { ApiDeps } from '../deps.js';
import { sendProblem } from '../problem.js';
import type { DefineRoute } from '../route.js';
import { accountIdParams, problemSchema } from '../schemas/common.js';

const eventsSchema = z.array(
  z
    .object({
      subscriptionType: z.string(),
      objectId: z.union([z.number(), z.string()]),
      propertyName: z.string().optional(),
      propertyValue: z.string().optional(),
    })
    .loose(),
);

const linkSchema = z
  .object({
    accountId: z.string(),
    companyId: z.string().nullable(),
    domain: z.string().nullable(),
    ownerId: z
      .string()
      .nullable()
      .meta({ description: 'HubSpot owner of the company (kept current by the HubSpot webhook); owner tasks go to them' }),
    linkedAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'HubSpotLink' });

export function registerCrmRoutes(define: DefineRoute): void {
  define({
    method: 'post',
    path: '/v1/accounts/{id}/hubspot-link',
    summary: 'Link an account to a HubSpot company',
    description:
      'By `companyId`, or by `domain`: the first sync finds the company with that domain, or creates it. Burndown then keeps its own company properties (balances, burn rate, low-balance flag, …) current; domain and owner changes in HubSpot flow back through the HubSpot webhook.',
    tags: ['HubSpot'],
    scopes: ['admin', 'support'],
    access: { path: ['id'] },
    params: accountIdParams,
    body: z.strictObject({
      companyId: z
        .string()
        .regex(/^\d{1,20}$/, 'a HubSpot company id (digits)')
        .optional(),
      domain: z
        .string()
        .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'a domain such as acme.com')
        .optional(),
    }),
    example: { domain: 'acme.com' },
    audit: { action: 'hubspot_link.set', targetType: 'account' },
    idempotent: true,
    responses: { 200: { description: 'Linked', schema: linkSchema }, 404: { description: 'No such account', schema: problemSchema } },
    handler: async ({ deps, params, body }) => {
      return { status: 200, body: await linkToHubSpot(deps, { accountId: params.id, ...body }) };
    },
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/hubspot-link',
    summary: 'The HubSpot company an account is linked to',
    tags: ['HubSpot'],
    scopes: ['admin', 'support', 'service', 'finance'],
    access: { path: ['id'] },
    params: accountIdParams,
    responses: { 200: { description: 'The link', schema: linkSchema }, 404: { description: 'Not linked', schema: problemSchema } },
    handler: async ({ deps, params }) => ({ status: 200, body: await hubSpotLinkOf(deps, params.id) }),
  });
}

/**
 * POST /v1/hubspot/webhooks: HubSpot's company.propertyChange (domain,
 * hubspot_owner_id) and company.deletion. Mounted on the app, outside the
 * API-key router: HubSpot authenticates with signature v3 instead.
 */
export function registerHubSpotWebhookRoutes(app: express.Express, deps: ApiDeps): void {
  app.post('/v1/hubspot/webhooks', async (req, res) => {
    const rawBody = ((req as express.Request & { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0)).toString('utf8');
    // The URL HubSpot called, as it signed it.
    const url = `${deps.config.PUBLIC_URL?.replace(/\/$/, '') ?? `${req.protocol}://${req.get('host')}`}${req.originalUrl}`;
    const valid = hubSpotSignatureValid(deps, {
      method: req.method,
      url,
      rawBody,
      signature: req.header('x-hubspot-signature-v3'),
      timestamp: req.header('x-hubspot-request-timestamp'),
    });
    if (!valid) {
      sendProblem(res, {
        type: 'urn:burndown:problem:bad_signature',
        title: 'Unauthorized',
        status: 401,
        code: 'bad_signature',
        detail: 'X-HubSpot-Signature-v3 does not verify (or HUBSPOT_WEBHOOK_SECRET is not set).',
      });
      return;
    }
    const parsed = eventsSchema.safeParse(req.body);
    if (!parsed.success) {
      sendProblem(res, {
        type: 'urn:burndown:problem:validation_failed',
        title: 'Bad Request',
        status: 400,
        code: 'validation_failed',
        detail: 'Expected an array of HubSpot webhook events.',
      });
      return;
    }
    // The signature verified above, so it is present.
    res.json(await applyInboundEvents(deps, parsed.data, req.header('x-hubspot-signature-v3')!));
  });
}
