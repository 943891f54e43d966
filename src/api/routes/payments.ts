import type { Express, Request, Response } from 'express';
import type Stripe from 'stripe';
import { z } from 'zod';
import { createPurchase, purchaseIdFrom } from '../../payments/purchases.js';
import { saveRechargeSettings } from '../../payments/recharge-settings.js';
import {
  catalogView,
  purchaseForRefund,
  purchaseView,
  rechargeSettingsOf,
  refundPurchase,
  startSavingCard,
} from '../../payments/service.js';
import { processStripeEvent } from '../../payments/webhooks.js';
import type { ApiDeps } from '../deps.js';
import { HttpProblem, sendProblem } from '../problem.js';
import { ownerOf } from '../owners.js';
import type { DefineRoute } from '../route.js';
import { accountIdParams, problemSchema } from '../schemas/common.js';
import {
  purchaseBody,
  purchaseIdParams,
  purchaseSchema,
  rechargeSettingsBody,
  rechargeSettingsSchema,
  refundBodySchema,
} from '../schemas/payments.js';

/** The payments dependencies, or 503 on a server without payments configured. */
export function paymentsOf(deps: ApiDeps) {
  if (!deps.payments) {
    throw new HttpProblem({
      title: 'Service Unavailable',
      status: 503,
      code: 'payments_not_configured',
      detail: 'Payments are not configured on this server (STRIPE_SECRET_KEY / STRIPE_API_BASE).',
    });
  }
  return deps.payments;
}

export function registerPaymentRoutes(define: DefineRoute): void {
  define({
    method: 'get',
    path: '/v1/catalog',
    summary: 'The credit bundles for sale',
    tags: ['Payments'],
    scopes: ['admin', 'service', 'support', 'finance', 'customer', 'wallet'],
    access: { anyKey: true },
    responses: { 200: { description: 'The current catalog version and its bundles' } },
    handler: ({ deps }) => Promise.resolve({ status: 200, body: catalogView(paymentsOf(deps)) }),
  });

  define({
    method: 'post',
    path: '/v1/accounts/{id}/purchases',
    summary: 'Buy a credit bundle',
    description:
      'Creates a PaymentIntent for the bundle and returns its client secret for the front end to confirm. Credits are granted only once the payment succeeded: by the payment_intent.succeeded webhook, or right here when a saved paymentMethodId is charged off-session. The grant carries the cost basis and the PaymentIntent id, and is made once per PaymentIntent.',
    tags: ['Payments'],
    scopes: ['admin', 'service', 'wallet'],
    access: { path: ['id'] },
    params: accountIdParams,
    body: purchaseBody,
    example: { bundleId: 'ai-1000' },
    idempotent: true,
    responses: {
      201: { description: 'The purchase (status pending until paid, succeeded with grantId when charged here)', schema: purchaseSchema },
      404: { description: 'No such account', schema: problemSchema },
    },
    handler: async ({ deps, params, body, actor, idempotencyKey }) => {
      const purchase = await createPurchase(
        paymentsOf(deps),
        {
          purchaseId: purchaseIdFrom('purchase', params.id, idempotencyKey!),
          accountId: params.id,
          bundleId: body.bundleId,
          paymentMethodId: body.paymentMethodId,
        },
        actor,
      );
      return { status: 201, body: purchase, headers: { Location: `/v1/purchases/${purchase.id}` } };
    },
  });

  define({
    method: 'get',
    path: '/v1/purchases/{id}',
    summary: 'Get a purchase',
    tags: ['Payments'],
    scopes: ['admin', 'service', 'support', 'finance', 'customer', 'wallet'],
    access: { owner: ownerOf.purchase },
    params: purchaseIdParams,
    responses: { 200: { description: 'The purchase', schema: purchaseSchema }, 404: { description: 'Not found', schema: problemSchema } },
    handler: async ({ deps, params }) => {
      const view = await purchaseView(deps, params.id);
      return { status: 200, body: view };
    },
  });

  define({
    method: 'post',
    path: '/v1/accounts/{id}/setup-intents',
    summary: 'Start saving a payment method',
    description:
      'A Stripe SetupIntent for off-session use; the front end collects the card with its client secret (card data never reaches Burndown).',
    tags: ['Payments'],
    scopes: ['admin', 'service'],
    access: { path: ['id'] },
    params: accountIdParams,
    idempotent: true,
    responses: {
      201: {
        description: 'The SetupIntent',
        schema: z.strictObject({ id: z.string(), clientSecret: z.string().nullable(), customerId: z.string() }),
      },
    },
    handler: async ({ deps, params, idempotencyKey }) => {
      return { status: 201, body: await startSavingCard(paymentsOf(deps), params.id, idempotencyKey) };
    },
  });

  define({
    method: 'post',
    path: '/v1/accounts/{id}/auto-recharge',
    summary: 'Set auto-recharge for a credit type',
    description:
      'When available credits fall below the threshold, one recharge per account and credit type buys the bundle (quantity times, or enough to reach topUpTo) off-session with the saved card, within the monthly cap. Saving resumes a recharge paused after a final failure.',
    tags: ['Payments'],
    scopes: ['admin', 'service', 'support', 'wallet_recharge'],
    access: { path: ['id'] },
    params: accountIdParams,
    body: rechargeSettingsBody,
    example: {
      creditType: 'ai',
      enabled: true,
      threshold: '100',
      bundleId: 'ai-1000',
      quantity: 1,
      monthlyCap: { amount: '500.00', currency: 'USD' },
    },
    audit: { action: 'auto_recharge.set', targetType: 'account' },
    idempotent: true,
    responses: { 200: { description: 'Saved', schema: rechargeSettingsSchema } },
    handler: async ({ deps, params, body }) => {
      return { status: 200, body: await saveRechargeSettings(paymentsOf(deps), params.id, body) };
    },
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/auto-recharge',
    summary: 'Auto-recharge settings and payment flags',
    tags: ['Payments'],
    scopes: ['admin', 'service', 'support', 'finance', 'customer', 'wallet'],
    access: { path: ['id'] },
    params: accountIdParams,
    responses: {
      200: {
        description: 'Settings per credit type, and flags (failed recharge, dispute)',
        schema: z.strictObject({ data: z.array(rechargeSettingsSchema), flags: z.array(z.unknown()) }),
      },
    },
    handler: async ({ deps, params }) => {
      return { status: 200, body: await rechargeSettingsOf(deps, params.id) };
    },
  });

  define({
    method: 'post',
    path: '/v1/purchases/{id}/refund',
    summary: 'Refund a purchase',
    description:
      'One workflow per purchase (refund-<purchaseId>): voids the unburned credits, refunds the matching money in Stripe (floor(amount × unburned / credits)), records it. Burned credits are not refunded. Repeats return the same result.',
    tags: ['Payments'],
    scopes: ['admin', 'support'],
    access: { owner: ownerOf.purchase },
    params: purchaseIdParams,
    body: refundBodySchema,
    example: { reason: 'customer cancelled within 14 days' },
    audit: { action: 'purchase.refund', targetType: 'purchase' },
    idempotent: true,
    responses: { 200: { description: 'Refunded' }, 409: { description: 'Not a paid purchase', schema: problemSchema } },
    handler: async ({ deps, params, actor }) => {
      const { purchase, refundable } = await purchaseForRefund(deps, params.id);
      if (!refundable) {
        throw new HttpProblem({
          title: 'Conflict',
          status: 409,
          code: 'purchase_not_refundable',
          detail: `Purchase ${purchase.id} is ${purchase.status}`,
        });
      }
      const refund = await refundPurchase(deps, paymentsOf(deps), purchase.id, actor);
      if ('refunded' in refund) return { status: 200, body: refund.refunded };
      const type = refund.failed;
      throw new HttpProblem({
        title: type === 'purchase_not_refundable' ? 'Conflict' : 'Bad Gateway',
        status: type === 'purchase_not_refundable' ? 409 : 502,
        code: type ?? 'refund_failed',
        detail: `Refund of ${purchase.id} failed: ${refund.reason}. Credits voided for it were reinstated.`,
      });
    },
  });
}

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
