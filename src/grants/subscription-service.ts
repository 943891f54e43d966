import {
  cancelSubscriptionUpdate,
  convertTrialNowUpdate,
  changeSubscriptionPlanUpdate,
  pauseSubscriptionUpdate,
  subscriptionAllotmentSettledUpdate,
  subscriptionStateQuery,
  subscriptionWorkflowId,
  trialGrantIssuedUpdate,
  trialStateQuery,
  trialWorkflowId,
  type ResolvedPlan,
  type SubscriptionBilling,
  type SubscriptionCancelInput,
  type SubscriptionState,
  type TrialState,
} from '../contracts/grants.js';
import { ValidationError } from '../errors.js';
import { requireAccount } from '../ledger/index.js';
import { subscriptionWorkflow } from '../../workflows/grants/subscription.js';
import { trialWorkflow } from '../../workflows/grants/trial.js';
import { planCatalog } from './plans.js';
import type { GrantsServiceDeps } from './service.js';
import { findSubscription, listSubscriptions, recordSubscription, subscriptionIdFor } from './subscription-records.js';
import { parseRetryDelays } from '../payments/module.js';
import { queryState, runSubscriptionUpdate, settledState, startOnce } from './workflow-calls.js';

const DAY_MS = 86_400_000;

/** A paid subscription's dunning, from the configuration, fixed in its workflow's input when it starts. */
function billingOf(config: GrantsServiceDeps['config']): SubscriptionBilling {
  return { retryDelaysMs: parseRetryDelays(config.RECHARGE_RETRY_DELAYS), graceMs: config.SUBSCRIPTION_GRACE_DAYS * DAY_MS };
}
/** A start a little in the past is clock skew; further back would replay missed periods, so it is refused. */
const START_SLACK_MS = 5 * 60_000;
const START_HORIZON_MS = 366 * DAY_MS;

/**
 * Starts a subscription: its row first (a start that fails after it is
 * retried and finds it), then its workflow, answering once the first
 * allotment is issued. The id derives from the account and the request's
 * idempotency key, so a retry names the same subscription.
 */
export async function startSubscription(
  deps: GrantsServiceDeps,
  accountId: string,
  request: { planId: string; planVersion?: string | undefined; startAt?: string | undefined },
  origin: { idempotencyKey: string; actor: string },
): Promise<{ subscriptionId: string; state: SubscriptionState }> {
  await requireAccount(deps.ledger.db, accountId);
  const plan = planCatalog().resolveForRequest('plans', request.planId, request.planVersion, 'planId');
  const now = deps.ledger.clock().getTime();
  const anchor = request.startAt === undefined ? now : Date.parse(request.startAt);
  if (anchor < now - START_SLACK_MS || anchor > now + START_HORIZON_MS) {
    throw new ValidationError('The start is out of range', [{ path: 'startAt', message: 'must be now or later, at most a year ahead' }]);
  }
  const subscriptionId = subscriptionIdFor(accountId, origin.idempotencyKey);
  const handle = await recordAndStart(deps, {
    subscriptionId,
    accountId,
    plan,
    anchor: new Date(anchor).toISOString(),
    actor: origin.actor,
  });
  const state = await settledState(handle, subscriptionAllotmentSettledUpdate, subscriptionStateQuery, 'subscription', subscriptionId);
  return { subscriptionId, state };
}

/** The subscription's row first (a start that fails after it is retried and finds it), then its workflow, once. */
async function recordAndStart(
  deps: GrantsServiceDeps,
  s: { subscriptionId: string; accountId: string; plan: ResolvedPlan; anchor: string; actor: string },
) {
  await recordSubscription(deps.ledger.db, {
    subscriptionId: s.subscriptionId,
    accountId: s.accountId,
    plan: s.plan.ref,
    anchor: s.anchor,
    trialId: null,
    createdBy: s.actor,
  });
  const { handle } = await startOnce(deps, subscriptionWorkflow, subscriptionWorkflowId(s.subscriptionId), [
    {
      subscriptionId: s.subscriptionId,
      accountId: s.accountId,
      anchor: s.anchor,
      plan: s.plan,
      expiringNoticeMs: deps.config.GRANT_EXPIRING_NOTICE_DAYS * DAY_MS,
      billing: billingOf(deps.config),
    },
  ]);
  return handle;
}

/** The sign-up subscription's id: one per account, so starting it again (a retried sign-up) finds the first. */
export const signupSubscriptionId = (accountId: string) => subscriptionIdFor(accountId, 'signup');

/**
 * The free tier at sign-up (issue 18): starts SIGNUP_PLAN's subscription
 * (a plan priced 0, checked when the configuration loads) for a new account,
 * anchored now, once per account. Does not wait for the first allotment (the
 * workflow issues it within moments); null when no plan is configured.
 */
export async function startSignupPlan(deps: GrantsServiceDeps, accountId: string): Promise<string | null> {
  if (!deps.config.SIGNUP_PLAN) return null;
  const plan = planCatalog().plan(deps.config.SIGNUP_PLAN);
  const subscriptionId = signupSubscriptionId(accountId);
  const anchor = deps.ledger.clock().toISOString();
  await recordAndStart(deps, { subscriptionId, accountId, plan, anchor, actor: 'system:signup' });
  return subscriptionId;
}

/** The subscriptions of an account, by id, a page at a time. */
export async function subscriptionsOf(deps: GrantsServiceDeps, accountId: string, page: { limit: number; after?: string | undefined }) {
  await requireAccount(deps.ledger.db, accountId);
  return listSubscriptions(deps.ledger.db, accountId, page);
}

async function subscriptionHandle(deps: GrantsServiceDeps, accountId: string, subscriptionId: string) {
  const row = await findSubscription(deps.ledger.db, accountId, subscriptionId);
  return { row, handle: deps.temporal.workflow.getHandle(row.workflow_id) };
}

/** A subscription's live state (its workflow's query). */
export async function subscriptionState(deps: GrantsServiceDeps, accountId: string, subscriptionId: string): Promise<SubscriptionState> {
  const { row, handle } = await subscriptionHandle(deps, accountId, subscriptionId);
  return queryState(handle, subscriptionStateQuery, 'subscription', row.id);
}

export type SubscriptionChange =
  { planId: string; planVersion?: string | undefined; effective?: 'next_period' | 'now' | undefined } | { paused: boolean };

/** A plan change, or pause/resume (the workflow's Updates, deduplicated by the request's idempotency key). */
export async function changeSubscription(
  deps: GrantsServiceDeps,
  accountId: string,
  subscriptionId: string,
  change: SubscriptionChange,
  origin: { idempotencyKey: string | undefined; actor: string },
): Promise<SubscriptionState> {
  const { handle } = await subscriptionHandle(deps, accountId, subscriptionId);
  if ('planId' in change) {
    const plan = planCatalog().resolveForRequest('plans', change.planId, change.planVersion, 'planId');
    return runSubscriptionUpdate(
      handle,
      changeSubscriptionPlanUpdate,
      { plan, effective: change.effective, actor: origin.actor },
      origin.idempotencyKey,
      'effective',
    );
  }
  return runSubscriptionUpdate(
    handle,
    pauseSubscriptionUpdate,
    { paused: change.paused, actor: origin.actor },
    origin.idempotencyKey,
    'paused',
  );
}

/** Cancels a subscription at the period end or now. */
export async function cancelSubscription(
  deps: GrantsServiceDeps,
  accountId: string,
  subscriptionId: string,
  at: NonNullable<SubscriptionCancelInput['at']>,
  origin: { idempotencyKey: string | undefined; actor: string },
): Promise<SubscriptionState> {
  const { handle } = await subscriptionHandle(deps, accountId, subscriptionId);
  return runSubscriptionUpdate(handle, cancelSubscriptionUpdate, { at, actor: origin.actor }, origin.idempotencyKey, 'at');
}

/**
 * Starts a trial, once per account and trial: the trial workflow grants its
 * credits; `started` is false when the account already had this trial.
 */
export async function startTrial(
  deps: GrantsServiceDeps,
  accountId: string,
  request: { trialId: string; planVersion?: string | undefined },
): Promise<{ trialId: string; started: boolean; state: TrialState }> {
  await requireAccount(deps.ledger.db, accountId);
  const trial = planCatalog().resolveForRequest('trials', request.trialId, request.planVersion, 'trialId');
  const { handle, started } = await startOnce(deps, trialWorkflow, trialWorkflowId(accountId, trial.trialId), [
    {
      accountId,
      trial,
      startedAt: deps.ledger.clock().toISOString(),
      expiringNoticeMs: deps.config.GRANT_EXPIRING_NOTICE_DAYS * DAY_MS,
      subscriptionId: subscriptionIdFor(accountId, `trial:${trial.trialId}`),
      billing: billingOf(deps.config),
    },
  ]);
  const state = await settledState(handle, trialGrantIssuedUpdate, trialStateQuery, 'trial', trial.trialId);
  return { trialId: trial.trialId, started, state };
}

/** A trial's state (its workflow's query). */
export function trialState(deps: GrantsServiceDeps, accountId: string, trialId: string): Promise<TrialState> {
  return queryState(deps.temporal.workflow.getHandle(trialWorkflowId(accountId, trialId)), trialStateQuery, 'trial', trialId);
}

/**
 * Converts a running trial to its paid plan now (issue 18): the trial
 * workflow voids what is left of the trial credits and starts the plan's
 * subscription anchored now; the answer comes once its first period is
 * settled (paid and allotted, or past due), like a started subscription's.
 */
export async function convertTrialNow(
  deps: GrantsServiceDeps,
  accountId: string,
  trialId: string,
  origin: { idempotencyKey: string | undefined; actor: string },
): Promise<{ trial: TrialState; subscription: SubscriptionState }> {
  await trialState(deps, accountId, trialId);
  const handle = deps.temporal.workflow.getHandle(trialWorkflowId(accountId, trialId));
  const trial = await runSubscriptionUpdate(
    handle,
    convertTrialNowUpdate,
    { actor: origin.actor },
    origin.idempotencyKey,
    'trialId',
    'trial_closed',
  );
  const subscriptionId = trial.subscriptionId!;
  const subscription = await settledState(
    deps.temporal.workflow.getHandle(subscriptionWorkflowId(subscriptionId)),
    subscriptionAllotmentSettledUpdate,
    subscriptionStateQuery,
    'subscription',
    subscriptionId,
  );
  return { trial, subscription };
}
