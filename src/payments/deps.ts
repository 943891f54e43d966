import type Stripe from 'stripe';
import { accountModes } from '../accounts/account-modes.js';
import type { LedgerDeps } from '../ledger/index.js';
import type { Catalog } from './catalog.js';
import type { PaymentGateway } from './gateway.js';

/** What payment logic needs: the ledger (database and clock), Stripe behind the gateway, and the catalog. */
export interface PaymentsDeps {
  ledger: LedgerDeps;
  /** Live accounts' Stripe (the configured key). Reach it through gatewayFor, never directly. */
  gateway: PaymentGateway;
  /** Test-mode accounts' Stripe: always the simulated one (stripe-mock), never with the live key. */
  testGateway: PaymentGateway;
  catalog: Catalog;
}

/**
 * The Stripe an account's payments go to, chosen by its mode: a test-mode
 * account's always reach the simulated Stripe, whatever live key is
 * configured (docs/TEST-MODE.md). The mode is cached: no query once known.
 */
export async function gatewayFor(deps: PaymentsDeps, accountId: string): Promise<PaymentGateway> {
  const mode = (await accountModes(deps.ledger.db).of([accountId])).get(accountId);
  return mode === 'test' ? deps.testGateway : deps.gateway;
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
