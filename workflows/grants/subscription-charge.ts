import { condition, log, proxyActivities } from '@temporalio/workflow';
import type { PaymentActivities } from '../../activities/payments.js';
import type { ResolvedPlan, SubscriptionBilling } from '../../src/contracts/grants.js';
import { failureType } from '../failures.js';
import { ledgerActivity, stripeActivity } from '../presets.js';
import { awaitSettlement } from '../payments/recharge.js';

const ledger = proxyActivities<PaymentActivities>(ledgerActivity);
const stripe = proxyActivities<PaymentActivities>(stripeActivity);

export type PeriodCharge =
  | { outcome: 'paid'; purchaseId: string; paymentIntentId: string }
  | { outcome: 'failed'; purchaseId: string; reason: string; attempts: number }
  /** Paused or cancelled by request while still trying. */
  | { outcome: 'stopped'; purchaseId: string; reason: string; attempts: number };

/** A plan is charged when it has a price above zero (never 2026-01's plans, never `free`). Pure: runs in the workflow. */
export function isCharged(plan: ResolvedPlan): boolean {
  return plan.price != null && /[1-9]/.test(plan.price.amount);
}

/**
 * When each attempt after the first is made, as instants: the retry delays
 * accumulated from the first attempt, those inside the grace period, then a
 * last one when the grace ends (the customer may have fixed the card). No
 * grace: the first attempt is the only one.
 */
export function attemptTimes(first: number, billing: SubscriptionBilling, graceEnd: number): number[] {
  const times: number[] = [];
  let at = first;
  for (const delay of billing.retryDelaysMs) {
    at += delay;
    if (at >= graceEnd) break;
    times.push(at);
  }
  if (graceEnd > first) times.push(graceEnd);
  return times;
}

export interface PeriodChargeInput {
  subscriptionId: string;
  accountId: string;
  plan: ResolvedPlan;
  periodIndex: number;
  workflowId: string;
  /** The grace never outlasts the period. */
  periodEnd: number;
  billing: SubscriptionBilling;
  /** PaymentIntents settled by webhook (the workflow's paymentIntentSettled signal). */
  settled: Map<string, 'succeeded' | 'failed'>;
  /** False once the subscription is paused, cancelled or cancelling: stop trying. */
  keepTrying: () => boolean;
  /** Called once the purchase is reserved. */
  onReserved: (purchaseId: string) => void;
  /** Called (again) whenever an attempt did not pay at once, with the grace's end: the subscription is past due. */
  onPastDue: (graceEnd: number) => void;
}

/**
 * Charges a period of a paid subscription BEFORE its allotment is issued. The
 * purchase is one per subscription and period; attempt n uses the Stripe
 * idempotency key `<purchase>/<n>`, so a retried activity or a replay reaches
 * the same PaymentIntent, and a new attempt is only made once the previous one
 * failed (a requires_action one is cancelled first, as in auto-recharge).
 */
export async function chargePeriod(input: PeriodChargeInput): Promise<PeriodCharge> {
  const reserved = await ledger.reserveSubscriptionCharge({
    subscriptionId: input.subscriptionId,
    accountId: input.accountId,
    plan: input.plan,
    periodIndex: input.periodIndex,
    workflowId: input.workflowId,
  });
  const { purchaseId } = reserved;
  input.onReserved(purchaseId);
  if (reserved.status === 'succeeded' && reserved.paymentIntentId)
    return { outcome: 'paid', purchaseId, paymentIntentId: reserved.paymentIntentId };
  // The grace runs from the first attempt; attempt n is made at schedule[n].
  const first = Date.now();
  const graceEnd = Math.min(first + input.billing.graceMs, input.periodEnd);
  const schedule = [first, ...attemptTimes(first, input.billing, graceEnd)];
  let reason = 'payment_error';
  for (let attempt = 0; ; attempt++) {
    const key = `${purchaseId}/${attempt}`;
    try {
      const charge = await stripe.chargeSubscription({ purchaseId, idempotencyKey: key });
      let status = charge.status;
      if (status === 'requires_action' || status === 'processing') {
        // Not paid yet: past due now, so a caller waiting for the first allotment is answered at once.
        input.onPastDue(graceEnd);
        // The customer gets until the next attempt (on the last one, the period's end) to authenticate.
        const patience = Math.max((schedule[attempt + 1] ?? input.periodEnd) - Date.now(), 0);
        status = await awaitSettlement(charge.paymentIntentId, patience, `${key}/cancel`, input.settled);
      }
      if (status === 'succeeded') return { outcome: 'paid', purchaseId, paymentIntentId: charge.paymentIntentId };
      reason = charge.status === 'requires_action' ? 'requires_action' : `payment_${status}`;
    } catch (error) {
      reason = failureType(error) || 'payment_error';
      log.warn('subscription charge attempt failed', { purchaseId, attempt, reason });
    }
    input.onPastDue(graceEnd);
    const next = schedule[attempt + 1];
    if (next === undefined) return { outcome: 'failed', purchaseId, reason, attempts: attempt + 1 };
    const wait = next - Date.now();
    if (wait > 0 && (await condition(() => !input.keepTrying(), wait)))
      return { outcome: 'stopped', purchaseId, reason, attempts: attempt + 1 };
    if (!input.keepTrying()) return { outcome: 'stopped', purchaseId, reason, attempts: attempt + 1 };
  }
}
