import type Stripe from 'stripe';
import type { LedgerDeps } from '../ledger/index.js';
import type { Catalog } from './catalog.js';
import type { PaymentGateway } from './gateway.js';

/** What payment logic needs: the ledger (database and clock), Stripe behind the gateway, and the catalog. */
export interface PaymentsDeps {
  ledger: LedgerDeps;
  gateway: PaymentGateway;
  catalog: Catalog;
}

/** The Temporal side of auto-recharge, kept behind a function so payment logic never sees a client. */
export type StartRecharge = (accountId: string, creditType: string) => Promise<void>;

/** Tells a running recharge workflow that one of its PaymentIntents settled (from a webhook). */
export type NotifyRecharge = (workflowId: string, update: { paymentIntentId: string; status: 'succeeded' | 'failed' }) => Promise<void>;

/** What the payment routes need beyond ApiDeps: built by the payments module (or by tests). */
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
