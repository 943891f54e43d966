import { allHandlersFinished, ApplicationFailure, condition, continueAsNew, proxyActivities, setHandler } from '@temporalio/workflow';
import type { SubscriptionActivities } from '../../activities/grants.js';
import {
  cancelSubscriptionUpdate,
  changeSubscriptionPlanUpdate,
  pauseSubscriptionUpdate,
  subscriptionAllotmentSettledUpdate,
  subscriptionStateQuery,
  type ResolvedPlan,
  type SubscriptionCancelInput,
  type SubscriptionPauseInput,
  type SubscriptionState,
} from '../../src/contracts/grants.js';
import { ledgerActivity } from '../presets.js';
import { periodBounds } from './periods.js';

const { issuePlanAllotment, issueProratedAllotment, closePlanPeriod } = proxyActivities<SubscriptionActivities>(ledgerActivity);

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

  // The allotment is only issued in a period the subscription started active.
  if (status === 'active' && Date.now() < end) {
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
