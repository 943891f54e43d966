import type { ResolvedPlan } from '../contracts/grants.js';
import { inTransaction } from '../db/transaction.js';
import { getCreditType, toUnits } from '../ledger/index.js';
import { formatMoney, parseMoney } from '../money/amount.js';
import { writeOutboxEvent } from '../outbox/outbox.js';
import { issuePlanAllotment, type AllotmentInput } from '../grants/subscriptions.js';
import type { PaymentsDeps } from './deps.js';
import { failPendingPurchase, findPurchase, purchaseIdFrom } from './purchases.js';

/** A plan's period price in minor units; null when the plan is never charged (no price, or 0: the free tier). */
export function chargedPrice(plan: ResolvedPlan): { minor: bigint; currency: string } | null {
  if (!plan.price) return null;
  const money = parseMoney(plan.price.amount, plan.price.currency);
  return money.minor > 0n ? money : null;
}

export interface SubscriptionChargeInput {
  subscriptionId: string;
  accountId: string;
  plan: ResolvedPlan;
  periodIndex: number;
  /** The subscription's workflow: a webhook's word on a PaymentIntent is signalled to it. */
  workflowId: string;
}

/**
 * The period's charge as a pending purchase of origin `subscription`, once
 * per subscription and period: the purchase id derives from both, so a
 * retried activity, a replayed workflow or a crashed worker finds the same
 * purchase (and, through it, the same Stripe idempotency keys). Answers the
 * purchase as stored: a charge that already succeeded is not made again.
 */
export async function reserveSubscriptionCharge(
  deps: PaymentsDeps,
  input: SubscriptionChargeInput,
): Promise<{ purchaseId: string; status: string; paymentIntentId: string | null }> {
  const price = chargedPrice(input.plan);
  if (!price) throw new Error(`plan ${input.plan.ref.planId}@${input.plan.ref.version} is not charged`);
  const creditType = await getCreditType(deps.ledger.db, input.plan.creditType);
  const purchaseId = purchaseIdFrom('subscription', input.subscriptionId, String(input.periodIndex));
  const now = deps.ledger.clock();
  await deps.ledger.db
    .insertInto('purchases')
    .values({
      id: purchaseId,
      account_id: input.accountId,
      origin: 'subscription',
      bundle_id: input.plan.ref.planId,
      catalog_version: input.plan.ref.version,
      quantity: 1,
      credit_type: creditType.id,
      credits: toUnits(creditType, input.plan.amount, 'amount'),
      amount_minor: price.minor,
      currency: price.currency,
      status: 'pending',
      workflow_id: input.workflowId,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const purchase = await findPurchase(deps.ledger.db, purchaseId);
  return { purchaseId, status: purchase.status, paymentIntentId: purchase.payment_intent_id };
}

/**
 * The period is paid: its allotment is issued with the charge as its cost
 * basis (so revenue recognition defers and recognizes it like a bundle's),
 * and the purchase records its PaymentIntent and grant. Both steps are
 * idempotent (the grant by its subscription-period key, the update by status).
 */
export async function issuePaidAllotment(
  deps: PaymentsDeps,
  input: AllotmentInput & { purchaseId: string; paymentIntentId: string },
): Promise<{ grantId: string }> {
  const purchase = await findPurchase(deps.ledger.db, input.purchaseId);
  const { grantId } = await issuePlanAllotment(deps.ledger, {
    ...input,
    payment: { purchaseId: purchase.id, costBasis: { amount: input.plan.price!.amount, currency: purchase.currency } },
  });
  await deps.ledger.db
    .updateTable('purchases')
    .set({
      status: 'succeeded',
      grant_id: grantId,
      payment_intent_id: input.paymentIntentId,
      failure_reason: null,
      updated_at: deps.ledger.clock(),
    })
    .where('id', '=', purchase.id)
    .where('status', 'in', ['pending', 'requires_action', 'failed'])
    .execute();
  return { grantId };
}

/**
 * The period's charge is given up: the purchase fails and, when the
 * subscription pauses for it (`notify`), subscription.payment_failed is
 * written in the same transaction. A subscription paused or cancelled by
 * request while it was still trying fails the purchase without the event.
 */
export async function failSubscriptionCharge(
  deps: PaymentsDeps,
  input: { purchaseId: string; subscriptionId: string; periodIndex: number; reason: string; attempts: number; notify: boolean },
): Promise<void> {
  const purchase = await findPurchase(deps.ledger.db, input.purchaseId);
  await inTransaction(deps.ledger.db, async (tx) => {
    const now = deps.ledger.clock();
    await failPendingPurchase(tx, purchase.id, input.reason, now);
    if (!input.notify) return;
    await writeOutboxEvent(tx, {
      id: `subscription.payment_failed:${purchase.id}`,
      accountId: purchase.account_id,
      type: 'subscription.payment_failed',
      payload: {
        subscriptionId: input.subscriptionId,
        purchaseId: purchase.id,
        planId: purchase.bundle_id,
        planVersion: purchase.catalog_version,
        periodIndex: input.periodIndex,
        amount: formatMoney(purchase.amount_minor, purchase.currency),
        reason: input.reason,
        attempts: input.attempts,
        paused: true,
      },
      occurredAt: now,
    });
  });
}
