import { ApplicationFailure } from '@temporalio/common';
import { rechargeOutcomes } from '../src/observability/metrics.js';
import { gatewayFor, type PaymentsDeps, type StartRecharge } from '../src/payments/deps.js';
import { isTransientStripeError, PaymentDeclinedError } from '../src/payments/gateway.js';
import { fulfilPurchase, findPurchase } from '../src/payments/purchases.js';
import { chargeRecharge, failRecharge, notifyRechargeAction, planRecharge, settleAbandonedIntent } from '../src/payments/recharge.js';
import { dispatchDueRecharges } from '../src/payments/recharge-trigger.js';
import {
  failSubscriptionCharge,
  issuePaidAllotment,
  reserveSubscriptionCharge,
  type SubscriptionChargeInput,
} from '../src/payments/subscription-charges.js';
import type { AllotmentInput } from '../src/grants/subscriptions.js';
import { applyMoneyRefund, reinstatePurchaseCredits, reversePurchaseCredits } from '../src/payments/refunds.js';
import { configured, mapFailures, toActivityFailure } from './failures.js';

export interface PaymentActivityDeps extends PaymentsDeps {
  startRecharge: StartRecharge;
}

const ACTOR = 'payments-workflow';

const required = (deps: { payments?: PaymentActivityDeps | undefined }) => configured(deps.payments, 'payments');

/**
 * Stripe failures, sorted for Temporal: transient ones (429, 5xx, network)
 * are rethrown as they are and retried with the same idempotency key; a
 * decline or an invalid request will not change on retry, so it is
 * non-retryable with a `type` the workflow branches on. Domain errors go
 * through toActivityFailure like everywhere else.
 */
function classify(error: unknown): never {
  if (error instanceof PaymentDeclinedError) {
    throw ApplicationFailure.create({ message: error.message, type: 'payment_declined', nonRetryable: true, details: [error.declineCode] });
  }
  if (isTransientStripeError(error)) throw error;
  if (error instanceof Error && error.constructor.name.startsWith('Stripe')) {
    throw ApplicationFailure.create({ message: error.message, type: 'payment_error', nonRetryable: true });
  }
  return toActivityFailure(error);
}

/** Payment activities over PaymentsDeps (ledger, Stripe gateway, catalog) and a recharge starter. */
export function createPaymentActivities(deps: { payments?: PaymentActivityDeps | undefined }) {
  /**
   * One off-session charge of a reserved purchase, its outcome sorted for the
   * workflow: succeeded or processing, requires_action (3-D Secure), or a
   * failure (see classify). `count` records the outcome's metric.
   */
  async function chargeOffSession(
    input: { purchaseId: string; idempotencyKey: string },
    count: (labels: { outcome: string }) => void,
  ): Promise<{ status: string; paymentIntentId: string }> {
    try {
      const result = await chargeRecharge(required(deps), input);
      if ('noPaymentMethod' in result) {
        count({ outcome: 'no_payment_method' });
        throw ApplicationFailure.create({
          message: 'the customer has no saved payment method',
          type: 'no_payment_method',
          nonRetryable: true,
        });
      }
      count({ outcome: result.status === 'succeeded' ? 'succeeded' : 'processing' });
      return { status: result.status, paymentIntentId: result.id };
    } catch (error) {
      if (error instanceof ApplicationFailure) throw error;
      // Off-session confirmation that needs 3-D Secure: the customer must act.
      if (error instanceof PaymentDeclinedError && error.requiresAction && error.paymentIntentId) {
        count({ outcome: 'requires_action' });
        return { status: 'requires_action', paymentIntentId: error.paymentIntentId };
      }
      count({ outcome: error instanceof PaymentDeclinedError ? 'declined' : 'error' });
      return classify(error);
    }
  }

  return {
    async planRecharge(input: { accountId: string; creditType: string; workflowId: string; roundKey: string }) {
      return mapFailures(planRecharge(required(deps), input));
    },

    async chargeRecharge(input: { purchaseId: string; idempotencyKey: string }): Promise<{ status: string; paymentIntentId: string }> {
      return chargeOffSession(input, (labels) => rechargeOutcomes.inc(labels));
    },

    /** A subscription period's charge: the same off-session charge as a recharge's, with its outcomes sorted the same way. */
    async chargeSubscription(input: { purchaseId: string; idempotencyKey: string }): Promise<{ status: string; paymentIntentId: string }> {
      return chargeOffSession(input, () => {});
    },

    async reserveSubscriptionCharge(input: SubscriptionChargeInput) {
      return mapFailures(reserveSubscriptionCharge(required(deps), input));
    },

    async issuePaidAllotment(input: AllotmentInput & { purchaseId: string; paymentIntentId: string }) {
      return mapFailures(issuePaidAllotment(required(deps), input));
    },

    async failSubscriptionCharge(input: Parameters<typeof failSubscriptionCharge>[1]): Promise<void> {
      await failSubscriptionCharge(required(deps), input);
    },

    async fulfilPurchase(input: { purchaseId: string; paymentIntentId: string }): Promise<{ grantId: string | null }> {
      const view = await mapFailures(fulfilPurchase(required(deps), input.purchaseId, input.paymentIntentId, ACTOR));
      return { grantId: view.grantId };
    },

    async notifyRechargeAction(input: { purchaseId: string; paymentIntentId: string }): Promise<void> {
      await notifyRechargeAction(required(deps), input);
    },

    async settleAbandonedIntent(input: { paymentIntentId: string; idempotencyKey: string }): Promise<string> {
      return settleAbandonedIntent(required(deps), input).catch(classify);
    },

    async failRecharge(input: { purchaseId: string; reason: string; attempts: number }): Promise<void> {
      await failRecharge(required(deps), input);
      rechargeOutcomes.inc({ outcome: 'gave_up' });
    },

    async dispatchDueRecharges(): Promise<number> {
      const p = required(deps);
      return dispatchDueRecharges(p.ledger.db, p.startRecharge, p.ledger.clock());
    },

    async reversePurchaseCredits(input: { purchaseId: string; idempotencyKey: string; actor: string }) {
      return mapFailures(reversePurchaseCredits(required(deps), input, input.actor));
    },

    async refundPurchasePayment(input: { purchaseId: string; amountMinor: string; idempotencyKey: string }): Promise<{ refundId: string }> {
      const p = required(deps);
      const purchase = await findPurchase(p.ledger.db, input.purchaseId);
      try {
        const refund = await (
          await gatewayFor(p, purchase.account_id)
        ).createRefund(
          { paymentIntentId: purchase.payment_intent_id!, amountMinor: BigInt(input.amountMinor), metadata: { purchase_id: purchase.id } },
          input.idempotencyKey,
        );
        return { refundId: refund.id };
      } catch (error) {
        return classify(error);
      }
    },

    async reinstatePurchaseCredits(input: { purchaseId: string; credits: string; actor: string }): Promise<void> {
      await mapFailures(reinstatePurchaseCredits(required(deps), input, input.actor));
    },

    async recordPurchaseRefund(input: { purchaseId: string; refundedTotalMinor: string; reference: string; actor: string }): Promise<void> {
      await applyMoneyRefund(
        required(deps),
        { purchaseId: input.purchaseId, refundedMinor: BigInt(input.refundedTotalMinor), reference: input.reference },
        input.actor,
      );
    },
  };
}

export type PaymentActivities = ReturnType<typeof createPaymentActivities>;
