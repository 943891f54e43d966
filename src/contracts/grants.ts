import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/** Workflow ids of the grant lifecycle: one timer per grant, one workflow per approval and subscription. */
export const grantExpiryWorkflowId = (grantId: string) => `grant-expiry-${grantId}`;
export const grantApprovalWorkflowId = (approvalId: string) => `grant-approval-${approvalId}`;
export const subscriptionWorkflowId = (subscriptionId: string) => `subscription-${subscriptionId}`;
/** One trial workflow per account and trial: asking twice finds the first. */
export const trialWorkflowId = (accountId: string, trialId: string) => `trial-${accountId}-${trialId}`;

/**
 * The grant's expiry was moved (or removed) in the ledger. The timer re-reads
 * the grant, so the payload is informational and signals may arrive in any order.
 */
export const grantExpiryChangedSignal = defineSignal<[{ expiresAt: string | null }]>('grantExpiryChanged');
/**
 * The grant's remaining amount crossed zero: used up (the timer ends) or
 * refilled by a refund or a released hold (the timer keeps waiting). The timer
 * re-reads the grant; the signal carries nothing.
 */
export const grantRemainingChangedSignal = defineSignal<[]>('grantRemainingChanged');
/** The grant was voided: the timer ends. */
export const grantClosedSignal = defineSignal<[{ status: 'voided' | 'expired' }]>('grantClosed');

export type ApprovalDecision = 'approve' | 'reject';
export interface ApprovalDecisionInput {
  decision: ApprovalDecision;
  /** The person deciding (the API key's subject). */
  approver: string;
  reason?: string | undefined;
  sourceIp?: string | null | undefined;
  requestId?: string | null | undefined;
}
export interface ApprovalOutcome {
  status: 'approved' | 'rejected';
  decidedBy: string;
  grantId: string | null;
  reason: string | null;
}
/** Approve or reject a pending grant; refused for the requester (self-approval) and once decided or timed out. */
export const decideApprovalUpdate = defineUpdate<ApprovalOutcome, [ApprovalDecisionInput]>('decideApproval');

export interface PlanRef {
  planId: string;
  version: string;
}
export type RolloverRule =
  { rule: 'none' } | { rule: 'capped'; cap: string; expiresAfterPeriods: number } | { rule: 'full'; expiresAfterPeriods: number };
/** A plan as read from plans/<version>.yaml, resolved by the API and carried in the workflow's input. */
export interface ResolvedPlan {
  ref: PlanRef;
  creditType: string;
  amount: string;
  period: { unit: 'day' | 'month' | 'year'; count: number };
  rollover: RolloverRule;
  /**
   * Charged at every period start before the allotment (exact money: the
   * amount in the currency's minor units, e.g. "45.00" USD). Optional: plans
   * of 2026-01, and the inputs of subscriptions started on them, have none;
   * absent, null or zero is never charged.
   */
  price?: { amount: string; currency: string } | null;
}
export interface ResolvedTrial {
  trialId: string;
  creditType: string;
  amount: string;
  durationMs: number;
  /** The plan the trial converts to at its end; null: the trial credits just expire. */
  convertTo: ResolvedPlan | null;
}
export interface SubscriptionChangeInput {
  plan: ResolvedPlan;
  /** `next_period` (default) or `now`; see the subscription proration rules. */
  effective?: 'next_period' | 'now' | undefined;
  actor: string;
}
export interface SubscriptionPauseInput {
  paused: boolean;
  actor: string;
}
export interface SubscriptionCancelInput {
  /** `period_end` (default) lets the current period run out; `now` stops at once. */
  at?: 'period_end' | 'now' | undefined;
  actor: string;
}
export interface UpcomingAllotment {
  periodIndex: number;
  effectiveAt: string;
  expiresAt: string;
  amount: string;
  creditType: string;
  plan: PlanRef;
}
/** The current period's charge of a paid subscription (absent for plans that are not charged). */
export interface SubscriptionPayment {
  /** `past_due`: a charge failed and the subscription is still trying (no allotment yet); `failed`: given up, paused. */
  status: 'pending' | 'paid' | 'past_due' | 'failed';
  purchaseId: string;
  amount: { amount: string; currency: string };
  /** While past due: when the last attempt is made and, unpaid, the subscription pauses. */
  graceEndsAt: string | null;
}
/** A paid subscription's dunning: RECHARGE_RETRY_DELAYS and SUBSCRIPTION_GRACE_DAYS, fixed when it starts. */
export interface SubscriptionBilling {
  retryDelaysMs: number[];
  graceMs: number;
}
export interface SubscriptionState {
  subscriptionId: string;
  accountId: string;
  status: 'active' | 'paused' | 'cancelling' | 'cancelled';
  plan: PlanRef;
  pendingPlan: PlanRef | null;
  periodIndex: number;
  periodStart: string;
  periodEnd: string;
  currentGrantId: string | null;
  upcoming: UpcomingAllotment[];
  /** The current period's charge; absent for a plan that is not charged. */
  payment?: SubscriptionPayment;
}
export const changeSubscriptionPlanUpdate = defineUpdate<SubscriptionState, [SubscriptionChangeInput]>('changeSubscriptionPlan');
export const pauseSubscriptionUpdate = defineUpdate<SubscriptionState, [SubscriptionPauseInput]>('pauseSubscription');
export const cancelSubscriptionUpdate = defineUpdate<SubscriptionState, [SubscriptionCancelInput]>('cancelSubscription');
export const subscriptionStateQuery = defineQuery<SubscriptionState>('subscriptionState');
/**
 * Answers once the current period's allotment is issued (or known not to be
 * due): the API sends it after starting a subscription, so its 201 carries
 * the allotment's grant id.
 */
export const subscriptionAllotmentSettledUpdate = defineUpdate<SubscriptionState, []>('subscriptionAllotmentSettled');

export interface TrialState {
  trialId: string;
  accountId: string;
  grantId: string | null;
  endsAt: string;
  status: 'running' | 'expired' | 'converted' | 'cancelled';
  subscriptionId: string | null;
}
export const trialStateQuery = defineQuery<TrialState>('trialState');
/** Answers once the trial grant is issued (the API's 201 carries its id). */
export const trialGrantIssuedUpdate = defineUpdate<TrialState, []>('trialGrantIssued');
/**
 * Converts a running trial to its paid plan now (issue 18): the trial credits
 * end, the plan's subscription starts anchored now (charged before its first
 * allotment). Answers once the subscription is started; refused (`trial_closed`,
 * `not_convertible`) for a trial that ended or converts to nothing.
 */
export const convertTrialNowUpdate = defineUpdate<TrialState, [{ actor: string }]>('convertTrialNow');
