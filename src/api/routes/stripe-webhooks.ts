import type { Express, Request, Response } from 'express';
import type Stripe from 'stripe';
import { processStripeEvent } from '../../payments/webhooks.js';
import type { ApiDeps } from '../deps.js';
import { sendProblem } from '../problem.js';

/**
 * POST /v1/webhooks/stripe, outside the API-key router: Stripe authenticates
 * with the Stripe-Signature header, an HMAC over the raw body with a
 * timestamp (checked against STRIPE_WEBHOOK_TOLERANCE_SECONDS). A bad or
 * stale signature is a 400 and changes nothing; a processing error is a 500
 * so Stripe redelivers; a repeated event id is acknowledged and ignored.
 */
export function mountStripeWebhooks(app: Express, deps: ApiDeps): void {
  app.post('/v1/webhooks/stripe', async (req: Request, res: Response) => {
    const problem = (status: number, code: string, detail: string) =>
      sendProblem(res, {
        type: `urn:burndown:problem:${code}`,
        title: status === 503 ? 'Service Unavailable' : 'Bad Request',
        status,
        code,
        detail,
        requestId: res.locals.requestId as string,
      });
    const verify = deps.payments?.verifyWebhook;
    if (!deps.payments || !verify) return problem(503, 'webhooks_unconfigured', 'Set STRIPE_WEBHOOK_SECRET to accept Stripe webhooks.');
    const rawBody = (req as Request & { rawBody?: Buffer }).rawBody;
    const signature = req.header('stripe-signature');
    if (!rawBody || !signature) return problem(400, 'signature_missing', 'A Stripe-Signature header and a JSON body are required.');
    let event: Stripe.Event;
    try {
      event = verify(rawBody, signature);
    } catch (error) {
      req.log.warn({ err: error }, 'stripe webhook signature rejected');
      return problem(400, 'signature_invalid', 'The Stripe signature does not match the body, or its timestamp is outside the tolerance.');
    }
    const outcome = await processStripeEvent({ ...deps.payments, logger: req.log }, event);
    res.json({ received: true, id: event.id, outcome });
  });
}
