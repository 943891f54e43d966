import { z } from 'zod';

/**
 * The event catalog (R-I4): every event type Burndown writes to the outbox,
 * with the zod schema of its payload at its current schema version. The
 * OpenAPI document publishes these (GET /v1/event-types), and a payload that
 * changes shape incompatibly gets a new version here rather than a silent edit.
 *
 * Payloads of events other areas write are `looseObject`s: the fields listed
 * are promised, extra fields may appear and receivers must ignore them. The
 * account is always on the envelope (`accountId`), not necessarily in `data`.
 */
const decimal = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/)
  .meta({ example: '12.50' });
const money = z.object({ amount: decimal, currency: z.string().length(3) }).meta({ id: 'EventMoney' });
const time = z.iso.datetime({ offset: true });
/** A purchase as the purchase events carry it (money as `amount`, never `price`). */
const purchaseView = z
  .looseObject({
    id: z.string(),
    origin: z.string(),
    bundleId: z.string(),
    creditType: z.string(),
    credits: decimal,
    amount: money,
    status: z.string(),
    paymentIntentId: z.string().nullable(),
    grantId: z.string().nullable(),
  })
  .meta({ id: 'EventPurchase' });

export const eventCatalog = {
  'balance.low': {
    version: 1,
    description:
      'The available balance of one credit type fell below the account’s low-balance threshold. Fires once; re-arms only after the balance is back above the re-arm level (hysteresis), so it does not flap.',
    payload: z.object({
      accountId: z.string(),
      creditType: z.string(),
      available: decimal,
      threshold: decimal,
      rearmAt: decimal,
    }),
  },
  'balance.depleted': {
    version: 1,
    description:
      'The available balance of one credit type reached zero (or below, within an overdraft). Re-arms when the balance is positive again.',
    payload: z.object({ accountId: z.string(), creditType: z.string(), available: decimal }),
  },
  'grant.expiring': {
    version: 1,
    description: 'A grant with credits left expires soon.',
    payload: z.looseObject({ grantId: z.string(), creditType: z.string(), remaining: decimal, expiresAt: time }),
  },
  'grant.expired': {
    version: 1,
    description: 'A grant expired; `expired` credits were removed from the balance.',
    payload: z.looseObject({ grantId: z.string(), creditType: z.string(), expired: decimal }),
  },
  'grant.pending_approval': {
    version: 1,
    description: 'A grant above the approval threshold waits for a second person.',
    payload: z.looseObject({ creditType: z.string(), amount: decimal.optional() }),
  },
  'grant.approved': {
    version: 1,
    description: 'A grant waiting for approval was approved and issued.',
    payload: z.looseObject({ creditType: z.string(), amount: decimal.optional() }),
  },
  'grant.rejected': {
    version: 1,
    description: 'A grant waiting for approval was rejected.',
    payload: z.looseObject({ creditType: z.string(), amount: decimal.optional() }),
  },
  'purchase.succeeded': {
    version: 1,
    description: 'A credit purchase was paid and its credits granted. The payload is the purchase as GET /v1/purchases/{id} shows it.',
    payload: purchaseView,
  },
  'purchase.refunded': {
    version: 1,
    description:
      'Money of a purchase was refunded (in Stripe or through the refund endpoint): `refundedTotal` so far, the unburned credits taken back (`reversedCredits`) and those already burned (`unrecoveredCredits`).',
    payload: z.object({ purchase: purchaseView, refundedTotal: money, reversedCredits: decimal, unrecoveredCredits: decimal }),
  },
  'purchase.disputed': {
    version: 1,
    description: 'The customer’s bank opened a dispute (chargeback) on a purchase’s payment; the account is flagged `disputed`.',
    payload: z.object({ purchaseId: z.string(), disputeId: z.string(), reason: z.string(), amount: money }),
  },
  'recharge.succeeded': {
    version: 1,
    description: 'An automatic recharge was paid and its credits granted. The payload is the purchase as GET /v1/purchases/{id} shows it.',
    payload: purchaseView,
  },
  'recharge.requires_action': {
    version: 1,
    description:
      'An automatic recharge needs the customer to authenticate the payment (3-D Secure); unconfirmed, it is cancelled and retried on the recharge schedule.',
    payload: z.object({ purchaseId: z.string(), paymentIntentId: z.string(), creditType: z.string() }),
  },
  'recharge.failed': {
    version: 1,
    description: 'An automatic recharge could not be paid (declined card, no payment method, …).',
    payload: z.looseObject({ creditType: z.string(), reason: z.string().optional(), purchaseId: z.string().optional() }),
  },
  'recharge.cap_reached': {
    version: 1,
    description:
      'An automatic recharge was skipped: it would have taken the month’s recharge spending past the account’s monthly cap (minor units of `currency`). Once per account, credit type and month.',
    payload: z.object({
      creditType: z.string(),
      month: z.string().regex(/^\d{4}-\d{2}$/),
      spentMinor: z.string().regex(/^\d+$/),
      capMinor: z.string().regex(/^\d+$/),
      currency: z.string().length(3),
    }),
  },
  'subscription.payment_failed': {
    version: 1,
    description:
      'A paid subscription’s period charge failed through the grace period (SUBSCRIPTION_GRACE_DAYS, attempts at RECHARGE_RETRY_DELAYS): the subscription is paused and the period’s allotment was not issued. Resuming it charges again at the next period.',
    payload: z.object({
      subscriptionId: z.string(),
      purchaseId: z.string(),
      planId: z.string(),
      planVersion: z.string(),
      periodIndex: z.number().int(),
      amount: money,
      reason: z.string(),
      attempts: z.number().int(),
      paused: z.literal(true),
    }),
  },
  'finance.reconciliation.discrepancies': {
    version: 1,
    description:
      'A finance reconciliation run found discrepancies (no account: `accountId` is null); the first 50 are listed, GET /v1/finance/reconciliations has them all.',
    payload: z.looseObject({ reconciliationId: z.string(), count: z.number().int(), discrepancies: z.array(z.unknown()) }),
  },
  'trial.depleted': {
    version: 1,
    description:
      'A trial’s credits ran out before the trial’s end (`endsAt`). Once per trial. The trial may convert to its paid plan now: POST /v1/accounts/{id}/trials/{trialId}/convert.',
    payload: z.object({
      trialId: z.string().nullable(),
      grantId: z.string(),
      creditType: z.string(),
      depletedAt: time,
      endsAt: time,
    }),
  },
  'dispute.opened': {
    version: 1,
    description:
      'A dispute case was opened on a burn (a ledger transaction or a usage event), by the customer or by support. It is due by `slaDueAt`.',
    payload: z.object({
      disputeId: z.string(),
      subject: z.object({ type: z.enum(['transaction', 'usage_event']), transactionId: z.string(), usageEventId: z.string().nullable() }),
      creditType: z.string(),
      disputedAmount: decimal,
      reason: z.string(),
      slaDueAt: time,
    }),
  },
  'dispute.escalated': {
    version: 1,
    description: 'A dispute case was still unresolved when its SLA passed; it moved to the escalation queue (`queue`).',
    payload: z.object({
      disputeId: z.string(),
      status: z.enum(['open', 'investigating']),
      queue: z.string(),
      owner: z.string().nullable(),
      slaDueAt: time,
    }),
  },
  'dispute.resolved': {
    version: 1,
    description:
      'A dispute case was closed: `outcome` `resolved` (upheld; `refunded` credits returned, if any) or `rejected`, with the explanation the customer is given.',
    payload: z.object({
      disputeId: z.string(),
      outcome: z.enum(['resolved', 'rejected']),
      explanation: z.string(),
      creditType: z.string(),
      refunded: decimal.nullable(),
      refundTransactionId: z.string().nullable(),
    }),
  },
} as const;

export type EventType = keyof typeof eventCatalog;
export const eventTypes = Object.keys(eventCatalog) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(eventCatalog, type);
}

/**
 * What a receiver gets: the delivery body. `sequence` is the outbox seq,
 * increasing per Burndown installation; deliveries may arrive out of order
 * (retries, parallel attempts), so receivers order one account's events by it.
 */
export function envelopeSchema<T extends z.ZodType>(type: string, version: number, payload: T) {
  return z.object({
    id: z.string().meta({ description: 'Stable event id: the same on every retry and replay; deduplicate on it.' }),
    type: z.literal(type),
    schemaVersion: z.literal(version),
    sequence: z.string().meta({ description: 'Increasing outbox sequence (decimal string); order one account’s events by it.' }),
    occurredAt: time,
    accountId: z.string().nullable(),
    data: payload,
  });
}

export const eventEnvelopes = eventTypes.map((type) => {
  const { version, payload, description } = eventCatalog[type];
  const id = `Event_${type.replace(/[^a-z]+/g, '_')}_v${version}`;
  return { type, version, description, schema: envelopeSchema(type, version, payload).meta({ id, description }) };
});

/** The union of all envelopes, as the OpenAPI document shows it. */
export const anyEventSchema = z
  .union(eventEnvelopes.map((e) => e.schema) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]])
  .meta({ id: 'WebhookEvent', description: 'The body of a webhook delivery: one event.' });

export interface EventEnvelope {
  id: string;
  type: string;
  schemaVersion: number;
  sequence: string;
  occurredAt: string;
  accountId: string | null;
  data: unknown;
}
