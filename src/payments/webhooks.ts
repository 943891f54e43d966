import type Stripe from 'stripe';
import type { Purchase } from '../db/schema-payments.js';
import { inTransaction } from '../db/transaction.js';
import type { Logger } from '../logger.js';
import { formatMoney } from '../money/amount.js';
import { writeOutboxEvent } from '../outbox/outbox.js';
import type { NotifyRecharge, PaymentsDeps } from './deps.js';
import { flagAccount } from './flags.js';
import { fulfilPurchase, markPurchaseFailed } from './purchases.js';
import { applyMoneyRefund } from './refunds.js';

export interface WebhookDeps extends PaymentsDeps {
  notifyRecharge: NotifyRecharge;
  logger: Logger;
}

export type WebhookOutcome = 'processed' | 'duplicate' | 'ignored';

const ACTOR = 'stripe-webhook';

async function purchaseFor(
  deps: PaymentsDeps,
  paymentIntentId: string | null | undefined,
  purchaseId?: string,
): Promise<Purchase | undefined> {
  const db = deps.ledger.db;
  if (purchaseId) {
    const byId = await db.selectFrom('purchases').selectAll().where('id', '=', purchaseId).executeTakeFirst();
    if (byId) return byId;
  }
  if (!paymentIntentId) return undefined;
  return db.selectFrom('purchases').selectAll().where('payment_intent_id', '=', paymentIntentId).executeTakeFirst();
}

function idOf(ref: string | { id: string } | null | undefined): string | null {
  return ref == null ? null : typeof ref === 'string' ? ref : ref.id;
}

/**
 * Applies one verified Stripe event. Event ids are recorded after the effects,
 * and every effect is idempotent on its own (grant by PaymentIntent id, voids
 * by refund amount, flags and outbox events by cause), so a redelivery after a
 * crash converges and a repeat of a recorded id does nothing.
 */
export async function processStripeEvent(deps: WebhookDeps, event: Stripe.Event): Promise<WebhookOutcome> {
  const db = deps.ledger.db;
  const seen = await db.selectFrom('stripe_events').select('id').where('id', '=', event.id).executeTakeFirst();
  if (seen) return 'duplicate';
  const outcome = await apply(deps, event);
  await db
    .insertInto('stripe_events')
    .values({ id: event.id, type: event.type })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return outcome;
}

async function apply(deps: WebhookDeps, event: Stripe.Event): Promise<WebhookOutcome> {
  switch (event.type) {
    case 'payment_intent.succeeded': {
      const pi = event.data.object;
      const purchase = await purchaseFor(deps, pi.id, pi.metadata?.purchase_id);
      if (!purchase) return 'ignored';
      if (BigInt(pi.amount_received || pi.amount) !== purchase.amount_minor || pi.currency.toUpperCase() !== purchase.currency) {
        // Never grant for a payment that does not match what was sold.
        throw new Error(`PaymentIntent ${pi.id} amount ${pi.amount} ${pi.currency} does not match purchase ${purchase.id}`);
      }
      // A subscription's period charge: its workflow issues the allotment (with the charge as cost basis).
      if (purchase.origin !== 'subscription') await fulfilPurchase(deps, purchase.id, pi.id, ACTOR);
      if (purchase.workflow_id) await deps.notifyRecharge(purchase.workflow_id, { paymentIntentId: pi.id, status: 'succeeded' });
      return 'processed';
    }
    case 'payment_intent.payment_failed': {
      const pi = event.data.object;
      const purchase = await purchaseFor(deps, pi.id, pi.metadata?.purchase_id);
      if (!purchase) return 'ignored';
      if (purchase.workflow_id) {
        // The recharge (or subscription) workflow owns retries and the final failure.
        await deps.notifyRecharge(purchase.workflow_id, { paymentIntentId: pi.id, status: 'failed' });
      } else if (purchase.payment_intent_id === pi.id) {
        await markPurchaseFailed(deps, purchase.id, pi.last_payment_error?.decline_code ?? pi.last_payment_error?.code ?? 'payment_failed');
      }
      return 'processed';
    }
    case 'charge.refunded': {
      const charge = event.data.object;
      const purchase = await purchaseFor(deps, idOf(charge.payment_intent));
      if (!purchase) return 'ignored';
      await applyMoneyRefund(deps, { purchaseId: purchase.id, refundedMinor: BigInt(charge.amount_refunded), reference: charge.id }, ACTOR);
      return 'processed';
    }
    case 'charge.dispute.created': {
      const dispute = event.data.object;
      const purchase = await purchaseFor(deps, idOf(dispute.payment_intent));
      if (!purchase) return 'ignored';
      await inTransaction(deps.ledger.db, async (tx) => {
        const now = deps.ledger.clock();
        await flagAccount(tx, {
          accountId: purchase.account_id,
          flag: 'disputed',
          reference: dispute.id,
          detail: `dispute ${dispute.id} on ${purchase.id}: ${dispute.reason}`,
          now,
        });
        await writeOutboxEvent(tx, {
          id: `purchase.disputed:${dispute.id}`,
          accountId: purchase.account_id,
          type: 'purchase.disputed',
          payload: {
            purchaseId: purchase.id,
            disputeId: dispute.id,
            reason: dispute.reason,
            amount: formatMoney(BigInt(dispute.amount), dispute.currency.toUpperCase()),
          },
          occurredAt: now,
        });
      });
      return 'processed';
    }
    default:
      deps.logger.debug({ type: event.type, id: event.id }, 'stripe event ignored');
      return 'ignored';
  }
}
