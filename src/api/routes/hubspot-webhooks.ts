import type express from 'express';
import { z } from 'zod';
import { applyHubSpotEvents, verifyHubSpotSignatureV3 } from '../../crm/inbound.js';
import type { ApiDeps } from '../deps.js';
import { sendProblem } from '../problem.js';

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

/**
 * POST /v1/hubspot/webhooks: HubSpot's company.propertyChange (domain,
 * hubspot_owner_id) and company.deletion. Mounted on the app, outside the
 * API-key router: HubSpot authenticates with signature v3 instead.
 */
export function registerHubSpotWebhookRoutes(app: express.Express, deps: ApiDeps): void {
  app.post('/v1/hubspot/webhooks', async (req, res) => {
    const secret = deps.config.HUBSPOT_WEBHOOK_SECRET;
    const rawBody = ((req as express.Request & { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0)).toString('utf8');
    // The URL HubSpot called, as it signed it.
    const url = `${deps.config.PUBLIC_URL?.replace(/\/$/, '') ?? `${req.protocol}://${req.get('host')}`}${req.originalUrl}`;
    const valid =
      secret !== undefined &&
      verifyHubSpotSignatureV3({
        method: req.method,
        url,
        rawBody,
        signature: req.header('x-hubspot-signature-v3'),
        timestamp: req.header('x-hubspot-request-timestamp'),
        secret,
        now: deps.clock(),
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
    res.json(await applyHubSpotEvents(deps.db, parsed.data, deps.clock()));
  });
}
