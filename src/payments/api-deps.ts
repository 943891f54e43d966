import type Stripe from 'stripe';
import type { NotifyRecharge, PaymentsDeps } from './deps.js';

/** What the payment routes need beyond ApiDeps: built in src/runtime/services.ts (or by tests). */
export interface PaymentsApiDeps extends PaymentsDeps {
  /** Verifies the Stripe-Signature header over the raw body (with timestamp tolerance) and parses the event. */
  verifyWebhook: ((rawBody: Buffer, signature: string) => Stripe.Event) | undefined;
  notifyRecharge: NotifyRecharge;
  /** Task queue of the workflows the routes start (refunds). */
  taskQueue: string;
}

/** The verifier from the SDK, or undefined when no webhook secret is configured. */
export function stripeWebhookVerifier(
  stripe: Stripe,
  secret: string | undefined,
  toleranceSeconds: number,
): PaymentsApiDeps['verifyWebhook'] {
  if (!secret) return undefined;
  return (rawBody, signature) => stripe.webhooks.constructEvent(rawBody, signature, secret, toleranceSeconds);
}
