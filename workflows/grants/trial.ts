import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  condition,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import type { TrialActivities } from '../../activities/grants.js';
import {
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

const { issueTrialGrant, recordSubscription } = proxyActivities<TrialActivities>(ledgerActivity);

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
  if (remaining > 0) await sleep(remaining);

  const plan = input.trial.convertTo;
  if (plan === null) {
    status = 'expired';
    return state();
  }
  await recordSubscription({
    subscriptionId: input.subscriptionId,
    accountId: input.accountId,
    plan: plan.ref,
    anchor: endsAt,
    trialId: input.trial.trialId,
    createdBy: `system:trial:${input.trial.trialId}`,
  });
  await startSubscriptionChild({
    subscriptionId: input.subscriptionId,
    accountId: input.accountId,
    anchor: endsAt,
    plan,
    expiringNoticeMs: input.expiringNoticeMs,
    ...(input.billing && { billing: input.billing }),
  });
  subscriptionId = input.subscriptionId;
  status = 'converted';
  return state();
}
