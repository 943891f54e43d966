import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { PaymentActivities } from '../../activities/payments.js';
import type { RefundPurchaseInput, RefundPurchaseResult } from '../../src/contracts/payments.js';
import { ledgerActivity, stripeActivity } from '../presets.js';

const ledger = proxyActivities<PaymentActivities>(ledgerActivity);
const stripe = proxyActivities<PaymentActivities>(stripeActivity);

/**
 * POST /v1/purchases/{id}/refund, as a saga under the id refund-<purchaseId>:
 *
 * 1. void what remains of the purchase's grant (credits can no longer be spent);
 * 2. refund the money owed for the voided credits in Stripe (policy in
 *    src/payments/refund-policy.ts), idempotency key refund-<purchaseId>;
 * 3. record the refund on the purchase and write purchase.refunded.
 *
 * If Stripe refuses the refund, the compensation reinstates the voided
 * credits as a new grant and the workflow fails with Stripe's error. A
 * compensation that fails is logged and fails the workflow: never swallowed.
 */
export async function refundPurchaseWorkflow(input: RefundPurchaseInput): Promise<RefundPurchaseResult> {
  const { workflowId } = workflowInfo();
  const reversed = await ledger.reversePurchaseCredits({
    purchaseId: input.purchaseId,
    idempotencyKey: `${workflowId}/void`,
    actor: input.actor,
  });
  let refundId: string | null = null;
  if (BigInt(reversed.refundMinor) > 0n) {
    try {
      ({ refundId } = await stripe.refundPurchasePayment({
        purchaseId: input.purchaseId,
        amountMinor: reversed.refundMinor,
        idempotencyKey: workflowId,
      }));
    } catch (error) {
      try {
        await ledger.reinstatePurchaseCredits({ purchaseId: input.purchaseId, credits: reversed.voidedCredits, actor: input.actor });
      } catch (compensationError) {
        log.error('refund compensation failed: voided credits were not reinstated', {
          purchaseId: input.purchaseId,
          error: String(compensationError),
        });
        throw compensationError;
      }
      throw error;
    }
    await ledger.recordPurchaseRefund({
      purchaseId: input.purchaseId,
      refundedTotalMinor: reversed.refundedTotalMinor,
      reference: refundId,
      actor: input.actor,
    });
  }
  return {
    purchaseId: input.purchaseId,
    voidedCredits: reversed.voidedCredits,
    refundedMinor: reversed.refundMinor,
    currency: reversed.currency,
    refundId,
  };
}
