import Stripe from 'stripe';
import { DomainError } from '../errors.js';
import { tracedGateway } from '../observability/spans.js';

/**
 * The narrow surface of Stripe that Burndown uses. Everything above it speaks
 * bigint minor units and plain records; only this file knows the SDK. Every
 * mutating call takes an idempotency key, which callers derive from a stable
 * id (purchase id, workflow id + attempt), never from a clock.
 */
export interface PaymentGateway {
  createCustomer(accountId: string, idempotencyKey: string): Promise<string>;
  createSetupIntent(customerId: string, idempotencyKey: string): Promise<{ id: string; clientSecret: string | null }>;
  /** The customer's first saved card, for off-session charges when none is configured. */
  firstPaymentMethod(customerId: string): Promise<string | null>;
  createPaymentIntent(input: NewPaymentIntent, idempotencyKey: string): Promise<PaymentIntentView>;
  retrievePaymentIntent(id: string): Promise<PaymentIntentView>;
  cancelPaymentIntent(id: string, idempotencyKey: string): Promise<PaymentIntentView>;
  createRefund(
    input: { paymentIntentId: string; amountMinor: bigint; metadata: Record<string, string> },
    idempotencyKey: string,
  ): Promise<{ id: string; status: string }>;
}

export interface NewPaymentIntent {
  customerId: string;
  amountMinor: bigint;
  currency: string;
  description: string;
  metadata: Record<string, string>;
  /** Charge a saved payment method now, without the customer present (auto-recharge, synchronous purchase). */
  offSession?: { paymentMethodId: string };
}

export interface PaymentIntentView {
  id: string;
  status: string;
  clientSecret: string | null;
  amountMinor: bigint;
  currency: string;
  metadata: Record<string, string>;
}

/**
 * The card was declined or needs the customer (3-D Secure). Not retryable with
 * the same request; `requiresAction` tells the two apart.
 */
export class PaymentDeclinedError extends DomainError {
  readonly code = 'payment_declined';
  constructor(
    message: string,
    readonly declineCode: string,
    readonly requiresAction: boolean,
    readonly paymentIntentId: string | null,
  ) {
    super(message, { declineCode, paymentIntentId });
  }
}

export interface StripeClientOptions {
  secretKey: string;
  apiBase?: string | undefined;
  timeoutMs: number;
}

/** Builds the SDK client from config; called by the payments module (src/payments/module.ts) and tests, never at import time. */
export function createStripeClient(options: StripeClientOptions): Stripe {
  const base = options.apiBase ? new URL(options.apiBase) : undefined;
  return new Stripe(options.secretKey, {
    // Temporal retries (with the same idempotency key); the SDK should not retry on its own behind that.
    maxNetworkRetries: 0,
    timeout: options.timeoutMs,
    ...(base && {
      host: base.hostname,
      port: base.port || (base.protocol === 'https:' ? 443 : 80),
      protocol: base.protocol === 'https:' ? 'https' : 'http',
    }),
  });
}

function toStripeAmount(minor: bigint): number {
  const n = Number(minor);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`amount ${minor} cannot be sent to Stripe`);
  return n;
}

function view(pi: Stripe.PaymentIntent): PaymentIntentView {
  return {
    id: pi.id,
    status: pi.status,
    clientSecret: pi.client_secret,
    amountMinor: BigInt(pi.amount),
    currency: pi.currency.toUpperCase(),
    metadata: { ...pi.metadata },
  };
}

function mapCardError(error: unknown): never {
  if (error instanceof Stripe.errors.StripeCardError) {
    const code = error.decline_code ?? error.code ?? 'card_declined';
    const pi = (error.raw as { payment_intent?: { id?: string } } | undefined)?.payment_intent?.id ?? null;
    throw new PaymentDeclinedError(error.message, code, error.code === 'authentication_required', pi);
  }
  throw error;
}

export function createStripeGateway(stripe: Stripe): PaymentGateway {
  return tracedGateway('stripe', {
    async createCustomer(accountId, idempotencyKey) {
      const customer = await stripe.customers.create({ metadata: { account_id: accountId } }, { idempotencyKey });
      return customer.id;
    },
    async createSetupIntent(customerId, idempotencyKey) {
      const si = await stripe.setupIntents.create({ customer: customerId, usage: 'off_session' }, { idempotencyKey });
      return { id: si.id, clientSecret: si.client_secret };
    },
    async firstPaymentMethod(customerId) {
      const list = await stripe.customers.listPaymentMethods(customerId, { limit: 1 });
      return list.data[0]?.id ?? null;
    },
    async createPaymentIntent(input, idempotencyKey) {
      const params: Stripe.PaymentIntentCreateParams = {
        amount: toStripeAmount(input.amountMinor),
        currency: input.currency.toLowerCase(),
        customer: input.customerId,
        description: input.description,
        metadata: input.metadata,
        ...(input.offSession
          ? { payment_method: input.offSession.paymentMethodId, confirm: true, off_session: true }
          : { automatic_payment_methods: { enabled: true }, setup_future_usage: 'off_session' }),
      };
      try {
        return view(await stripe.paymentIntents.create(params, { idempotencyKey }));
      } catch (error) {
        return mapCardError(error);
      }
    },
    async retrievePaymentIntent(id) {
      return view(await stripe.paymentIntents.retrieve(id));
    },
    async cancelPaymentIntent(id, idempotencyKey) {
      return view(await stripe.paymentIntents.cancel(id, {}, { idempotencyKey }));
    },
    async createRefund(input, idempotencyKey) {
      const refund = await stripe.refunds.create(
        { payment_intent: input.paymentIntentId, amount: toStripeAmount(input.amountMinor), metadata: input.metadata },
        { idempotencyKey },
      );
      return { id: refund.id, status: refund.status ?? 'pending' };
    },
  } satisfies PaymentGateway);
}

/** 429, 5xx and network errors: worth retrying with the same idempotency key. */
export function isTransientStripeError(error: unknown): boolean {
  return (
    error instanceof Stripe.errors.StripeRateLimitError ||
    error instanceof Stripe.errors.StripeAPIError ||
    error instanceof Stripe.errors.StripeConnectionError ||
    (error instanceof Stripe.errors.StripeError && (error.statusCode ?? 0) >= 500)
  );
}
