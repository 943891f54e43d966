import { defineSignal } from '@temporalio/workflow';

/** Sent (with signal-with-start) whenever available credits fell below the auto-recharge threshold. */
export const rechargeRequestedSignal = defineSignal<[]>('rechargeRequested');

/** A Stripe webhook saw one of the recharge's PaymentIntents succeed or fail (after customer authentication). */
export const paymentIntentSettledSignal =
  defineSignal<[{ paymentIntentId: string; status: 'succeeded' | 'failed' }]>('paymentIntentSettled');

export interface RechargeInput {
  accountId: string;
  creditType: string;
  /** Waits between attempts after a failed payment, in ms (RECHARGE_RETRY_DELAYS); then give up. */
  retryDelaysMs: number[];
}

export type RechargeRound =
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'succeeded'; purchaseId: string; paymentIntentId: string; attempts: number }
  | { outcome: 'failed'; purchaseId: string; reason: string; attempts: number };

export interface RefundPurchaseInput {
  purchaseId: string;
  actor: string;
}

export interface RefundPurchaseResult {
  purchaseId: string;
  voidedCredits: string;
  refundedMinor: string;
  currency: string;
  refundId: string | null;
}
