import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowIdReusePolicy } from '@temporalio/common';
import { z } from 'zod';
import { formatMoney } from '../../money/amount.js';
import { listAccountFlags } from '../../payments/flags.js';
import { createPurchase, findPurchase, getPurchaseView, purchaseIdFrom } from '../../payments/purchases.js';
import { listRechargeSettings, saveRechargeSettings } from '../../payments/recharge-settings.js';
import { ensureCustomer } from '../../payments/customers.js';
import { refundPurchaseWorkflow } from '../../../workflows/payments/refund.js';
import type { ApiDeps } from '../deps.js';
import { HttpProblem } from '../problem.js';
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

export function paymentsOf(deps: ApiDeps) {
  if (!deps.payments) {
    throw new HttpProblem({
      title: 'Service Unavailable',
      status: 503,
      code: 'payments_unavailable',
      detail: 'Payments are not configured on this server.',
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
    scopes: ['admin', 'service', 'support', 'finance', 'customer'],
    responses: { 200: { description: 'The current catalog version and its bundles' } },
    handler: ({ deps }) => {
      const { catalog } = paymentsOf(deps);
      const bundles = [...catalog.bundles.values()].map((b) => ({ ...b, price: formatMoney(b.price.minor, b.price.currency) }));
      return Promise.resolve({ status: 200, body: { version: catalog.version, bundles } });
    },
  });

  define({
    method: 'post',
    path: '/v1/accounts/{id}/purchases',
    summary: 'Buy a credit bundle',
    description:
      'Creates a PaymentIntent for the bundle and returns its client secret for the front end to confirm. Credits are granted only once the payment succeeded: by the payment_intent.succeeded webhook, or right here when a saved paymentMethodId is charged off-session. The grant carries the cost basis and the PaymentIntent id, and is made once per PaymentIntent.',
    tags: ['Payments'],
    scopes: ['admin', 'service'],
    params: accountIdParams,
    body: purchaseBody,
    idempotent: true,
    responses: {
      201: { description: 'The purchase (status pending until paid, succeeded with grantId when charged here)', schema: purchaseSchema },
      404: { description: 'No such account', schema: problemSchema },
    },
    handler: async ({ deps, params, body, actor, idempotencyKey, authorizeAccount }) => {
      authorizeAccount(params.id);
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
    scopes: ['admin', 'service', 'support', 'finance', 'customer'],
    params: purchaseIdParams,
    responses: { 200: { description: 'The purchase', schema: purchaseSchema }, 404: { description: 'Not found', schema: problemSchema } },
    handler: async ({ deps, params, authorizeAccount }) => {
      const view = await getPurchaseView(deps.db, params.id);
      authorizeAccount(view.accountId);
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
    params: accountIdParams,
    idempotent: true,
    responses: {
      201: {
        description: 'The SetupIntent',
        schema: z.object({ id: z.string(), clientSecret: z.string().nullable(), customerId: z.string() }),
      },
    },
    handler: async ({ deps, params, idempotencyKey, authorizeAccount }) => {
      authorizeAccount(params.id);
      const payments = paymentsOf(deps);
      const customerId = await ensureCustomer(payments, params.id);
      const intent = await payments.gateway.createSetupIntent(customerId, `setup:${params.id}:${idempotencyKey}`);
      return { status: 201, body: { ...intent, customerId } };
    },
  });

  define({
    method: 'post',
    path: '/v1/accounts/{id}/auto-recharge',
    summary: 'Set auto-recharge for a credit type',
    description:
      'When available credits fall below the threshold, one recharge per account and credit type buys the bundle (quantity times, or enough to reach topUpTo) off-session with the saved card, within the monthly cap. Saving resumes a recharge paused after a final failure.',
    tags: ['Payments'],
    scopes: ['admin', 'service', 'support'],
    params: accountIdParams,
    body: rechargeSettingsBody,
    idempotent: true,
    responses: { 200: { description: 'Saved', schema: rechargeSettingsSchema } },
    handler: async ({ deps, params, body, authorizeAccount }) => {
      authorizeAccount(params.id);
      return { status: 200, body: await saveRechargeSettings(paymentsOf(deps), params.id, body) };
    },
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/auto-recharge',
    summary: 'Auto-recharge settings and payment flags',
    tags: ['Payments'],
    scopes: ['admin', 'service', 'support', 'finance', 'customer'],
    params: accountIdParams,
    responses: {
      200: {
        description: 'Settings per credit type, and flags (failed recharge, dispute)',
        schema: z.object({ data: z.array(rechargeSettingsSchema), flags: z.array(z.unknown()) }),
      },
    },
    handler: async ({ deps, params, authorizeAccount }) => {
      authorizeAccount(params.id);
      return {
        status: 200,
        body: { data: await listRechargeSettings(deps.db, params.id), flags: await listAccountFlags(deps.db, params.id) },
      };
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
    params: purchaseIdParams,
    body: refundBodySchema,
    idempotent: true,
    responses: { 200: { description: 'Refunded' }, 409: { description: 'Not a paid purchase', schema: problemSchema } },
    handler: async ({ deps, params, actor, authorizeAccount }) => {
      const purchase = await findPurchase(deps.db, params.id);
      authorizeAccount(purchase.account_id);
      if (!['succeeded', 'partially_refunded', 'refunded'].includes(purchase.status)) {
        throw new HttpProblem({
          title: 'Conflict',
          status: 409,
          code: 'purchase_not_refundable',
          detail: `Purchase ${purchase.id} is ${purchase.status}`,
        });
      }
      const workflowId = `refund-${purchase.id}`;
      let handle;
      try {
        handle = await deps.temporal.workflow.start(refundPurchaseWorkflow, {
          workflowId,
          taskQueue: paymentsOf(deps).taskQueue,
          args: [{ purchaseId: purchase.id, actor }],
          // A finished refund answers every repeat; a failed one may be tried again.
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        handle = deps.temporal.workflow.getHandle(workflowId);
      }
      try {
        return { status: 200, body: { workflowId, ...(await handle.result()) } };
      } catch (error) {
        if (!(error instanceof WorkflowFailedError)) throw error;
        const cause = (error.cause?.cause ?? error.cause) as Error | undefined;
        const type = cause instanceof ApplicationFailure ? cause.type : undefined;
        throw new HttpProblem({
          title: type === 'purchase_not_refundable' ? 'Conflict' : 'Bad Gateway',
          status: type === 'purchase_not_refundable' ? 409 : 502,
          code: type ?? 'refund_failed',
          detail: `Refund of ${purchase.id} failed: ${cause?.message ?? error.message}. Credits voided for it were reinstated.`,
        });
      }
    },
  });
}
