import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { SubscriptionActivities } from '../../activities/grants.js';
import type { PaymentActivities } from '../../activities/payments.js';
import { paymentIntentSettledSignal } from '../../src/contracts/payments.js';
import {
  cancelSubscriptionUpdate,
  changeSubscriptionPlanUpdate,
  pauseSubscriptionUpdate,
  subscriptionAllotmentSettledUpdate,
  subscriptionStateQuery,
  type ResolvedPlan,
  type SubscriptionBilling,
  type SubscriptionCancelInput,
  type SubscriptionPayment,
  type SubscriptionPauseInput,
  type SubscriptionState,
} from '../../src/contracts/grants.js';
import { ledgerActivity } from '../presets.js';
import { periodBounds } from './periods.js';
import { chargePeriod, isCharged } from './subscription-charge.js';

const { issuePlanAllotment, issueProratedAllotment, closePlanPeriod } = proxyActivities<SubscriptionActivities>(ledgerActivity);
const { issuePaidAllotment, failSubscriptionCharge } = proxyActivities<PaymentActivities>(ledgerActivity);
/** Paid plans: the period's charge comes before its allotment (workflows started before prices never reach it). */
const CHARGES_PATCH = 'subscription-period-charges';

export interface SubscriptionInput {
  subscriptionId: string;
  accountId: string;
  /** Period 0 starts here; every period is computed from it, so periods never drift. */
  anchor: string;
  plan: ResolvedPlan;
  pendingPlan?: ResolvedPlan | null;
  periodIndex?: number;
  status?: 'active' | 'paused' | 'cancelling';
  expiringNoticeMs: number;
  /** Dunning of a paid plan; absent (started before prices, or by an older trial): one attempt, no grace. */
  billing?: SubscriptionBilling;
}

const UPCOMING = 3;

/**
 * One subscription (R-G5): at each period start it issues the plan's
 * allotment (expiring at the period end); at the period end it expires what is
 * left and grants the rollover; then it continues as new, so its history is
 * one period long however many years it runs.
 *
 * Updates, validated: a plan change applies at the next period, or now with a
 * prorated extra allotment (see proratedUnits); pause stops allotments from
 * the next period on (the current one runs out) and resume restarts them at
 * the next period; cancel at `period_end` lets the period finish with its
 * rollover, `now` stops at once (the current allotment keeps its expiry).
 */
export async function subscriptionWorkflow(input: SubscriptionInput): Promise<SubscriptionState> {
  const anchor = Date.parse(input.anchor);
  const periodIndex = input.periodIndex ?? 0;
  let plan = input.plan;
  let pendingPlan = input.pendingPlan ?? null;
  let status: SubscriptionState['status'] = input.status ?? 'active';
  let cancelNow = false;
  const grantIds: string[] = [];
  const { start, end } = periodBounds(anchor, plan.period, periodIndex);
  let payment: SubscriptionPayment | undefined;
  const settled = new Map<string, 'succeeded' | 'failed'>();
  setHandler(paymentIntentSettledSignal, ({ paymentIntentId, status: outcome }) => void settled.set(paymentIntentId, outcome));

  const state = (): SubscriptionState => {
    const upcoming = [];
    const next = pendingPlan ?? plan;
    for (let k = periodIndex + 1; k <= periodIndex + UPCOMING && (status === 'active' || status === 'paused'); k++) {
      const bounds = periodBounds(anchor, next.period, k);
      if (status === 'active') {
        upcoming.push({
          periodIndex: k,
          effectiveAt: new Date(bounds.start).toISOString(),
          expiresAt: new Date(bounds.end).toISOString(),
          amount: next.amount,
          creditType: next.creditType,
          plan: next.ref,
        });
      }
    }
    return {
      subscriptionId: input.subscriptionId,
      accountId: input.accountId,
      status,
      plan: plan.ref,
      pendingPlan: pendingPlan?.ref ?? null,
      periodIndex,
      periodStart: new Date(start).toISOString(),
      periodEnd: new Date(end).toISOString(),
      currentGrantId: grantIds[0] ?? null,
      upcoming,
      ...(payment && { payment: { ...payment } }),
    };
  };
  const requireOpen = () => {
    if (status === 'cancelled' || status === 'cancelling' || cancelNow) {
      throw ApplicationFailure.nonRetryable(`The subscription is ${status}`, 'subscription_closed');
    }
  };

  setHandler(subscriptionStateQuery, state);
  let allotmentSettled = false;
  setHandler(subscriptionAllotmentSettledUpdate, async () => {
    await condition(() => allotmentSettled);
    return state();
  });
  setHandler(
    changeSubscriptionPlanUpdate,
    async (change) => {
      if (change.effective !== 'now') {
        pendingPlan = change.plan;
        return state();
      }
      const previous = plan;
      plan = change.plan;
      pendingPlan = null;
      if (status === 'active') {
        const extra = await issueProratedAllotment({
          subscriptionId: input.subscriptionId,
          accountId: input.accountId,
          plan: change.plan,
          previous,
          periodIndex,
          periodStart: new Date(start).toISOString(),
          effectiveAt: new Date().toISOString(),
          expiresAt: new Date(end).toISOString(),
          at: new Date().toISOString(),
          changeNumber: grantIds.length,
        });
        if (extra.grantId) grantIds.push(extra.grantId);
      }
      return state();
    },
    {
      validator: (change) => {
        requireOpen();
        if (change.plan.period.unit !== plan.period.unit || change.plan.period.count !== plan.period.count) {
          if (change.effective === 'now')
            throw ApplicationFailure.nonRetryable('A change of period length applies at the next period only', 'invalid_change');
        }
      },
    },
  );
  setHandler(
    pauseSubscriptionUpdate,
    (pause: SubscriptionPauseInput) => {
      status = pause.paused ? 'paused' : 'active';
      return state();
    },
    { validator: (_pause: SubscriptionPauseInput) => requireOpen() },
  );
  setHandler(
    cancelSubscriptionUpdate,
    (cancel: SubscriptionCancelInput) => {
      // Cancelled now: the answer already says so; the main loop wakes and ends.
      if (cancel.at === 'now') {
        cancelNow = true;
        status = 'cancelled';
      } else status = 'cancelling';
      return state();
    },
    { validator: (_cancel: SubscriptionCancelInput) => requireOpen() },
  );

  /**
   * A paid period: charge first (retries on the recharge schedule within the
   * grace, past due meanwhile), then the allotment with the charge as its cost
   * basis. Never paid within the grace: paused, subscription.payment_failed.
   */
  async function payForAllotment(): Promise<void> {
    const price = plan.price!;
    const charge = await chargePeriod({
      subscriptionId: input.subscriptionId,
      accountId: input.accountId,
      plan,
      periodIndex,
      workflowId: workflowInfo().workflowId,
      periodEnd: end,
      billing: input.billing ?? { retryDelaysMs: [], graceMs: 0 },
      settled,
      keepTrying: () => status === 'active' && !cancelNow,
      onPastDue: (graceEnd) => {
        payment = { status: 'past_due', purchaseId: payment!.purchaseId, amount: price, graceEndsAt: new Date(graceEnd).toISOString() };
        allotmentSettled = true;
      },
      onReserved: (purchaseId) => {
        payment = { status: 'pending', purchaseId, amount: price, graceEndsAt: null };
      },
    });
    if (charge.outcome === 'paid') {
      const { grantId } = await issuePaidAllotment({
        subscriptionId: input.subscriptionId,
        accountId: input.accountId,
        plan,
        periodIndex,
        // Paid late (past due, within the grace): the credits start when the money arrived.
        effectiveAt: new Date(payment?.status === 'past_due' ? Math.max(start, Date.now()) : start).toISOString(),
        expiresAt: new Date(end).toISOString(),
        at: new Date().toISOString(),
        purchaseId: charge.purchaseId,
        paymentIntentId: charge.paymentIntentId,
      });
      grantIds.unshift(grantId);
      payment = { status: 'paid', purchaseId: charge.purchaseId, amount: price, graceEndsAt: null };
      return;
    }
    const notify = charge.outcome === 'failed';
    const { purchaseId, reason, attempts } = charge;
    await failSubscriptionCharge({ purchaseId, reason, attempts, subscriptionId: input.subscriptionId, periodIndex, notify });
    payment = { status: 'failed', purchaseId: charge.purchaseId, amount: price, graceEndsAt: null };
    if (notify) status = 'paused';
  }

  // The allotment is only issued in a period the subscription started active.
  if (status === 'active' && Date.now() < end) {
    if (isCharged(plan) && patched(CHARGES_PATCH)) {
      await payForAllotment();
    } else {
      const { grantId } = await issuePlanAllotment({
        subscriptionId: input.subscriptionId,
        accountId: input.accountId,
        plan,
        periodIndex,
        effectiveAt: new Date(start).toISOString(),
        expiresAt: new Date(end).toISOString(),
        at: new Date().toISOString(),
      });
      grantIds.unshift(grantId);
    }
  }
  allotmentSettled = true;

  const untilEnd = end - Date.now();
  const cancelledNow = untilEnd > 0 ? await condition(() => cancelNow, untilEnd) : cancelNow;
  if (cancelledNow) {
    // Cancelled now: the allotment and rollovers keep their expiry; with this
    // workflow gone, the expiry sweep Schedule expires them.
    status = 'cancelled';
    await condition(allHandlersFinished);
    return state();
  }
  const rollover = plan.rollover;
  await closePlanPeriod({
    subscriptionId: input.subscriptionId,
    accountId: input.accountId,
    plan,
    periodIndex,
    grantIds,
    periodEnd: new Date(end).toISOString(),
    rolloverExpiresAt:
      rollover.rule === 'none'
        ? null
        : new Date(periodBounds(anchor, plan.period, periodIndex + rollover.expiresAfterPeriods).end).toISOString(),
  });
  await condition(allHandlersFinished);
  if (status === 'cancelling' || cancelNow) {
    status = 'cancelled';
    return state();
  }
  const nextPlan = pendingPlan ?? plan;
  return continueAsNew<typeof subscriptionWorkflow>({
    ...input,
    plan: nextPlan,
    pendingPlan: null,
    periodIndex: periodIndex + 1,
    status,
  });
}
