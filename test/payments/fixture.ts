import Stripe from 'stripe';
import type { PaymentActivityDeps } from '../../activities/payments.js';
import type { LedgerDeps } from '../../src/ledger/context.js';
import { stripeWebhookVerifier, type PaymentsApiDeps } from '../../src/payments/deps.js';
import { loadCatalog } from '../../src/payments/catalog.js';
import type { NotifyRecharge, StartRecharge } from '../../src/payments/deps.js';
import { createStripeClient, createStripeGateway } from '../../src/payments/gateway.js';

export const WEBHOOK_SECRET = 'whsec_test_burndown';

/** The real SDK pointed at a local server (stripe-mock or the fake). */
export function stripeAt(url: string, timeoutMs = 2_000): Stripe {
  return createStripeClient({ secretKey: 'sk_test_123', apiBase: url, timeoutMs });
}

export async function paymentsDeps(
  ledger: LedgerDeps,
  stripeUrl: string,
  extra: { startRecharge?: StartRecharge; notifyRecharge?: NotifyRecharge; taskQueue?: string; timeoutMs?: number } = {},
): Promise<PaymentsApiDeps & PaymentActivityDeps> {
  const stripe = stripeAt(stripeUrl, extra.timeoutMs);
  return {
    ledger,
    gateway: createStripeGateway(stripe),
    testGateway: createStripeGateway(stripe),
    catalog: await loadCatalog('catalog/bundles.yaml'),
    verifyWebhook: stripeWebhookVerifier(stripe, WEBHOOK_SECRET, 300),
    notifyRecharge: extra.notifyRecharge ?? (async () => {}),
    taskQueue: extra.taskQueue ?? 'unused',
    startRecharge: extra.startRecharge ?? (async () => {}),
  };
}

/** A signed webhook delivery, built with the SDK's test-header helper. */
export function signedEvent(event: { id: string; type: string; object: unknown }, options: { secret?: string; timestamp?: number } = {}) {
  const payload = JSON.stringify({
    id: event.id,
    object: 'event',
    type: event.type,
    api_version: '2025-01-01',
    created: 1,
    data: { object: event.object },
  });
  const header = new Stripe('sk_test_123').webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? WEBHOOK_SECRET,
    ...(options.timestamp !== undefined && { timestamp: options.timestamp }),
  });
  return { payload, header };
}
