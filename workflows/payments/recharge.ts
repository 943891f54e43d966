import { allHandlersFinished, condition, continueAsNew, log, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { PaymentActivities } from '../../activities/payments.js';
import {
  paymentIntentSettledSignal,
  rechargeRequestedSignal,
  type RechargeInput,
  type RechargeRound,
} from '../../src/contracts/payments.js';
import { failureType } from '../failures.js';
import { ledgerActivity, stripeActivity } from '../presets.js';

const ledger = proxyActivities<PaymentActivities>(ledgerActivity);
const stripe = proxyActivities<PaymentActivities>(stripeActivity);

/** Rounds per run before continue-as-new keeps the history short. */
const MAX_ROUNDS = 10;

/**
 * Auto-recharge for one (account, credit type), started with signal-with-start
 * under the id recharge-<account>-<creditType>, so there is never more than one.
 *
 * Each round plans (threshold, spend cap, reservation), then charges
 * off-session. A decline or a payment error is retried after each of
 * input.retryDelaysMs; after the last one the recharge gives up: purchase
 * failed, auto-recharge paused, account flagged, recharge.failed written.
 * requires_action notifies the customer and waits (until the next retry) for
 * the webhook to report the PaymentIntent; an abandoned one is cancelled
 * before the next attempt, so two attempts can never both charge.
 *
 * Every charge carries the idempotency key <workflowId>/<runId>/<round>/<attempt>:
 * a retried activity (timeout, crash) reaches the same PaymentIntent. The grant
 * is idempotent by PaymentIntent id, so a crash between charge and grant still
 * ends with one charge and one grant.
 */
export async function rechargeWorkflow(input: RechargeInput): Promise<{ rounds: RechargeRound[] }> {
  let requested = true;
  const settled = new Map<string, 'succeeded' | 'failed'>();
  setHandler(rechargeRequestedSignal, () => {
    requested = true;
  });
  setHandler(paymentIntentSettledSignal, ({ paymentIntentId, status }) => {
    settled.set(paymentIntentId, status);
  });
  const { workflowId, runId } = workflowInfo();
  const rounds: RechargeRound[] = [];

  for (let round = 0; requested && round < MAX_ROUNDS; round++) {
    requested = false;
    const roundKey = `${workflowId}/${runId}/${round}`;
    const plan = await ledger.planRecharge({ accountId: input.accountId, creditType: input.creditType, workflowId, roundKey });
    if (plan.kind === 'skip') {
      // Nothing to do until the balance drops again or the settings change: a later signal starts a new run.
      rounds.push({ outcome: 'skipped', reason: plan.reason });
      break;
    }
    const result = await chargeWithRetries(plan.purchaseId, roundKey, input.retryDelaysMs, settled);
    rounds.push(result);
    // Still below the threshold after a recharge? Plan again: the cap bounds it.
    if (result.outcome === 'succeeded') requested = true;
    else break;
  }
  await condition(allHandlersFinished);
  if (rounds.length >= MAX_ROUNDS && rounds[rounds.length - 1]!.outcome === 'succeeded')
    await continueAsNew<typeof rechargeWorkflow>(input);
  return { rounds };
}

async function chargeWithRetries(
  purchaseId: string,
  roundKey: string,
  delays: readonly number[],
  settled: Map<string, 'succeeded' | 'failed'>,
): Promise<RechargeRound> {
  let reason = 'payment_error';
  for (let attempt = 0; attempt <= delays.length; attempt++) {
    const key = `${roundKey}/${attempt}`;
    const wait = delays[attempt];
    let waited = false;
    try {
      const charge = await stripe.chargeRecharge({ purchaseId, idempotencyKey: key });
      let status = charge.status;
      if (status === 'requires_action' || status === 'processing') {
        if (status === 'requires_action') await ledger.notifyRechargeAction({ purchaseId, paymentIntentId: charge.paymentIntentId });
        waited = true;
        // The customer gets until the next attempt (on the last one, the last delay) to authenticate.
        const patience = wait ?? delays[delays.length - 1] ?? 0;
        status = await awaitSettlement(charge.paymentIntentId, patience, `${key}/cancel`, settled);
      }
      if (status === 'succeeded') {
        await ledger.fulfilPurchase({ purchaseId, paymentIntentId: charge.paymentIntentId });
        return { outcome: 'succeeded', purchaseId, paymentIntentId: charge.paymentIntentId, attempts: attempt + 1 };
      }
      reason = charge.status === 'requires_action' ? 'requires_action' : `payment_${status}`;
    } catch (error) {
      reason = failureType(error) || 'payment_error';
      log.warn('recharge attempt failed', { purchaseId, attempt, reason });
      if (reason === 'no_payment_method') {
        await ledger.failRecharge({ purchaseId, reason, attempts: attempt + 1 });
        return { outcome: 'failed', purchaseId, reason, attempts: attempt + 1 };
      }
    }
    if (wait !== undefined && !waited) await sleep(wait);
  }
  await ledger.failRecharge({ purchaseId, reason, attempts: delays.length + 1 });
  return { outcome: 'failed', purchaseId, reason, attempts: delays.length + 1 };
}

/**
 * Waits for the webhook's word on a PaymentIntent, then cancels it if
 * abandoned; a payment still processing is never re-attempted. Also the
 * subscription's period charge's (workflows/grants/subscription-charge.ts).
 */
export async function awaitSettlement(
  paymentIntentId: string,
  patienceMs: number,
  cancelKey: string,
  settled: Map<string, 'succeeded' | 'failed'>,
): Promise<string> {
  await condition(() => settled.has(paymentIntentId), patienceMs);
  let status = settled.get(paymentIntentId) ?? (await stripe.settleAbandonedIntent({ paymentIntentId, idempotencyKey: cancelKey }));
  for (let day = 0; status === 'processing' && day < 7; day++) {
    await condition(() => settled.has(paymentIntentId), '1 day');
    status = settled.get(paymentIntentId) ?? (await stripe.settleAbandonedIntent({ paymentIntentId, idempotencyKey: cancelKey }));
  }
  return status;
}
