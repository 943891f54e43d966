import { inTransaction } from '../db/transaction.js';
import { fromUnits, getCreditType, findGrant, toUnits } from '../ledger/index.js';
import { issueGrant, voidGrant, voidGrantPartially } from '../observability/measured-ledger.js';
import { ConflictError } from '../errors.js';
import { formatMoney } from '../money/amount.js';
import { writeOutboxEvent } from '../outbox/outbox.js';
import type { PaymentsDeps } from './deps.js';
import { findPurchase, purchaseView } from './purchases.js';
import { creditsForRefund, moneyForCredits, voidedOnGrant } from './refund-policy.js';

const REFUNDABLE = ['succeeded', 'partially_refunded'] as const;

/**
 * Records money refunded in Stripe (cumulative `refundedMinor` on the charge)
 * and takes back the matching unburned credits, per src/payments/refund-policy.ts.
 * Idempotent: the credits to take back are computed against what the ledger
 * has already voided on the purchase's grant.
 */
export async function applyMoneyRefund(
  deps: PaymentsDeps,
  input: { purchaseId: string; refundedMinor: bigint; reference: string },
  actor: string,
): Promise<{ reversedCredits: string; unrecoveredCredits: string }> {
  const db = deps.ledger.db;
  const purchase = await findPurchase(db, input.purchaseId);
  const creditType = await getCreditType(db, purchase.credit_type);
  let reversed = 0n;
  let unrecovered = 0n;
  if (purchase.grant_id) {
    const target = creditsForRefund(purchase, input.refundedMinor);
    const want = target - (await voidedOnGrant(db, purchase.account_id, purchase.grant_id));
    if (want > 0n) {
      const grant = await findGrant(db, purchase.grant_id);
      const take = grant.status === 'active' ? (want < grant.remaining ? want : grant.remaining) : 0n;
      if (take > 0n) {
        await voidGrantPartially(deps.ledger, grant.id, fromUnits(creditType, take), {
          actor,
          idempotencyKey: `money-refund:${input.reference}:${input.refundedMinor}`,
          reason: `refund of ${purchase.id}`,
        });
      }
      reversed = take;
      unrecovered = want - take;
    }
  }
  await inTransaction(db, async (tx) => {
    const now = deps.ledger.clock();
    const row = await tx
      .updateTable('purchases')
      .set((eb) => ({
        refunded_minor: eb.fn('greatest', ['refunded_minor', eb.val(input.refundedMinor)]),
        status: input.refundedMinor >= purchase.amount_minor ? 'refunded' : 'partially_refunded',
        updated_at: now,
      }))
      .where('id', '=', purchase.id)
      .where('status', 'in', [...REFUNDABLE, 'refunded'])
      .returningAll()
      .executeTakeFirst();
    await writeOutboxEvent(tx, {
      id: `purchase.refunded:${purchase.id}:${input.refundedMinor}`,
      accountId: purchase.account_id,
      type: 'purchase.refunded',
      payload: {
        purchase: purchaseView(creditType, row ?? purchase),
        refundedTotal: formatMoney(input.refundedMinor, purchase.currency),
        reversedCredits: fromUnits(creditType, reversed),
        unrecoveredCredits: fromUnits(creditType, unrecovered),
      },
      occurredAt: now,
    });
  });
  return { reversedCredits: fromUnits(creditType, reversed), unrecoveredCredits: fromUnits(creditType, unrecovered) };
}

/**
 * Refund endpoint, step 1: void what remains of the purchase's grant, so the
 * credits cannot be spent while the money goes back. Returns the money owed
 * for everything voided on the grant so far, less what was already refunded.
 */
export async function reversePurchaseCredits(
  deps: PaymentsDeps,
  input: { purchaseId: string; idempotencyKey: string },
  actor: string,
): Promise<{ voidedCredits: string; refundMinor: string; refundedTotalMinor: string; currency: string }> {
  const db = deps.ledger.db;
  const purchase = await findPurchase(db, input.purchaseId);
  if (!(REFUNDABLE as readonly string[]).includes(purchase.status) || !purchase.grant_id || !purchase.payment_intent_id) {
    throw new ConflictError(
      'purchase_not_refundable',
      `Purchase ${purchase.id} is ${purchase.status}; only paid purchases can be refunded`,
      {
        status: purchase.status,
      },
    );
  }
  const creditType = await getCreditType(db, purchase.credit_type);
  const grant = await findGrant(db, purchase.grant_id);
  if (grant.status === 'active') {
    await voidGrant(deps.ledger, grant.id, { actor, idempotencyKey: input.idempotencyKey, reason: `refund of ${purchase.id}` });
  }
  const voided = await voidedOnGrant(db, purchase.account_id, grant.id);
  const total = moneyForCredits(purchase, voided);
  const owed = total - purchase.refunded_minor;
  return {
    voidedCredits: fromUnits(creditType, voided),
    refundMinor: String(owed > 0n ? owed : 0n),
    refundedTotalMinor: String(owed > 0n ? total : purchase.refunded_minor),
    currency: purchase.currency,
  };
}

/** Refund endpoint, compensation: the money could not be refunded, so the voided credits come back as a new grant. */
export async function reinstatePurchaseCredits(
  deps: PaymentsDeps,
  input: { purchaseId: string; credits: string },
  actor: string,
): Promise<void> {
  const purchase = await findPurchase(deps.ledger.db, input.purchaseId);
  const units = toUnits(await getCreditType(deps.ledger.db, purchase.credit_type), input.credits, 'credits');
  await issueGrant(
    deps.ledger,
    {
      accountId: purchase.account_id,
      creditType: purchase.credit_type,
      amount: input.credits,
      source: 'purchase',
      costBasis: formatMoney(moneyForCredits(purchase, units), purchase.currency),
      externalRef: `reinstate:${purchase.id}`,
      metadata: { purchase_id: purchase.id, reinstated: 'true' },
    },
    { actor, idempotencyKey: `reinstate:${purchase.id}`, reason: `refund of ${purchase.id} failed; credits reinstated` },
  );
}
