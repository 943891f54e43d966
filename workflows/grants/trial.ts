import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import type { TrialActivities } from '../../activities/grants.js';
import {
  convertTrialNowUpdate,
  subscriptionWorkflowId,
  trialGrantIssuedUpdate,
  trialStateQuery,
  type ResolvedTrial,
  type SubscriptionBilling,
  type TrialState,
} from '../../src/contracts/grants.js';
import { ledgerActivity } from '../presets.js';
import { startGrantExpiryTimerOf } from './expiry-timer-start.js';
import { subscriptionWorkflow, type SubscriptionInput } from './subscription.js';

const { issueTrialGrant, recordSubscription, endTrialGrant } = proxyActivities<TrialActivities>(ledgerActivity);
/** The trial may convert before its end (POST …/trials/{trialId}/convert); trials started before it just sleep to the end. */
export const EARLY_CONVERSION_PATCH = 'trial-early-conversion';

export interface TrialInput {
  accountId: string;
  trial: ResolvedTrial;
  /** When the trial began (the API's instant); it ends trial.durationMs later. */
  startedAt: string;
  expiringNoticeMs: number;
  /** The subscription a converting trial becomes, fixed by the API so the conversion happens once. */
  subscriptionId: string;
  /** The converted subscription's dunning, if its plan is paid (absent in trials started before prices). */
  billing?: SubscriptionBilling;
}

/** Starts the converted subscription as an abandoned child (it outlives the trial); its fixed id makes a second start harmless. */
async function startSubscriptionChild(input: SubscriptionInput): Promise<void> {
  try {
    await startChild(subscriptionWorkflow, {
      workflowId: subscriptionWorkflowId(input.subscriptionId),
      args: [input],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/**
 * A trial (R-G7): issues the trial credits (source `trial`, expiring at the
 * trial end, idempotent by external ref `trial:<account>:<trial>`), starts the
 * grant's own expiry timer, which writes `grant.expiring` ahead of time and
 * expires what is left at the end, sleeps until the trial end, then either
 * ends (the credits expire) or converts: the configured plan's subscription
 * starts, anchored at the trial end, on the plan version the trial began with.
 * A converting trial may convert early (convertTrialNowUpdate, e.g. once its
 * credits ran out: trial.depleted): the trial credits are voided and the
 * subscription starts anchored now, its first period charged before its
 * allotment like any paid subscription.
 */
export async function trialWorkflow(input: TrialInput): Promise<TrialState> {
  const endsAt = new Date(Date.parse(input.startedAt) + input.trial.durationMs).toISOString();
  let grantId: string | null = null;
  let status: TrialState['status'] = 'running';
  let subscriptionId: string | null = null;
  const state = (): TrialState => ({ trialId: input.trial.trialId, accountId: input.accountId, grantId, endsAt, status, subscriptionId });
  setHandler(trialStateQuery, state);
  setHandler(trialGrantIssuedUpdate, async () => {
    await condition(() => grantId !== null);
    return state();
  });
  /** Null until the patch decision is made (the trial is waiting for its end); false: a trial from before early conversion. */
  let earlyConversion: boolean | null = null;
  /** Who converted the trial early; null while it waits for its end. */
  let convertBy: string | null = null;
  setHandler(
    convertTrialNowUpdate,
    async ({ actor }) => {
      convertBy ??= actor;
      await condition(() => status !== 'running');
      return state();
    },
    {
      validator: (_convert: { actor: string }) => {
        if (status !== 'running' || earlyConversion === false)
          throw ApplicationFailure.nonRetryable(`The trial is ${status === 'running' ? 'ending' : status}`, 'trial_closed');
        if (input.trial.convertTo === null)
          throw ApplicationFailure.nonRetryable('The trial converts to no plan; start a subscription instead', 'not_convertible');
      },
    },
  );

  const grant = await issueTrialGrant({
    accountId: input.accountId,
    trial: input.trial,
    startedAt: input.startedAt,
    endsAt,
    at: new Date().toISOString(),
    workflowId: workflowInfo().workflowId,
  });
  grantId = grant.grantId;
  await startGrantExpiryTimerOf(grant.grantId, input.expiringNoticeMs);

  const remaining = Date.parse(endsAt) - Date.now();
  earlyConversion = patched(EARLY_CONVERSION_PATCH);
  if (earlyConversion) {
    if (remaining > 0) await condition(() => convertBy !== null, remaining);
  } else if (remaining > 0) await sleep(remaining);

  const plan = input.trial.convertTo;
  if (plan === null) {
    status = 'expired';
    return state();
  }
  // Converted early: the subscription starts now and the trial credits end with the trial.
  // (A conversion asked for from here on finds the trial converting anyway, and waits for it.)
  const early = convertBy;
  const anchor = early === null ? endsAt : new Date().toISOString();
  if (early !== null && grantId !== null) await endTrialGrant({ grantId, at: anchor });
  await recordSubscription({
    subscriptionId: input.subscriptionId,
    accountId: input.accountId,
    plan: plan.ref,
    anchor,
    trialId: input.trial.trialId,
    createdBy: early ?? `system:trial:${input.trial.trialId}`,
  });
  await startSubscriptionChild({
    subscriptionId: input.subscriptionId,
    accountId: input.accountId,
    anchor,
    plan,
    expiringNoticeMs: input.expiringNoticeMs,
    ...(input.billing && { billing: input.billing }),
  });
  subscriptionId = input.subscriptionId;
  status = 'converted';
  await condition(allHandlersFinished);
  return state();
}
