import { sql } from 'kysely';
import { inTransaction } from '../db/transaction.js';
import { divideRounded } from '../money/amount.js';
import { getCreditType, toUnits } from '../ledger/index.js';
import { writeOutboxEvent } from '../outbox/outbox.js';
import { availableUnits } from './available.js';
import { ensureCustomer } from './customers.js';
import { gatewayFor, type PaymentsDeps } from './deps.js';
import { flagAccount } from './flags.js';
import type { PaymentIntentView } from './gateway.js';
import { failPendingPurchase, findPurchase, purchaseIdFrom, quote, requireBundle } from './purchases.js';

export type RechargePlan =
  | { kind: 'skip'; reason: 'disabled' | 'paused' | 'above_threshold' | 'cap_reached' }
  | { kind: 'charge'; purchaseId: string; amountMinor: string; currency: string; credits: string };

function monthStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/**
 * One round of a recharge workflow: under the settings row lock, clears the
 * pending trigger, checks the balance against the threshold and the month's
 * spend against the cap, and reserves the charge as a pending purchase. The
 * purchase id comes from the workflow run and round, so a retried activity
 * finds the purchase it already reserved instead of reserving twice.
 */
export async function planRecharge(
  deps: PaymentsDeps,
  input: { accountId: string; creditType: string; workflowId: string; roundKey: string },
): Promise<RechargePlan> {
  const db = deps.ledger.db;
  const purchaseId = purchaseIdFrom('recharge', input.roundKey);
  const existing = await db.selectFrom('purchases').selectAll().where('id', '=', purchaseId).executeTakeFirst();
  if (existing) {
    return {
      kind: 'charge',
      purchaseId,
      amountMinor: String(existing.amount_minor),
      currency: existing.currency,
      credits: String(existing.credits),
    };
  }
  return inTransaction(db, async (tx) => {
    const now = deps.ledger.clock();
    const settings = await tx
      .selectFrom('recharge_settings')
      .selectAll()
      .where('account_id', '=', input.accountId)
      .where('credit_type', '=', input.creditType)
      .forUpdate()
      .executeTakeFirst();
    if (!settings || !settings.enabled) return { kind: 'skip', reason: 'disabled' } as const;
    if (settings.paused) return { kind: 'skip', reason: 'paused' } as const;
    await tx
      .updateTable('recharge_settings')
      .set({ trigger_pending_since: null })
      .where('account_id', '=', input.accountId)
      .where('credit_type', '=', input.creditType)
      .execute();
    const available = await availableUnits(tx, input.accountId, input.creditType, now);
    if (available >= settings.threshold) return { kind: 'skip', reason: 'above_threshold' } as const;

    const bundle = requireBundle(deps.catalog, settings.bundle_id);
    const creditType = await getCreditType(tx, settings.credit_type);
    const perBundle = toUnits(creditType, bundle.credits, 'credits');
    const quantity =
      settings.top_up_to === null ? settings.quantity : Number(divideRounded(settings.top_up_to - available, perBundle, 'up'));
    const price = await quote(deps, bundle, quantity);

    const spent = await tx
      .selectFrom('purchases')
      .select(sql<bigint>`coalesce(sum(amount_minor), 0)::int8`.as('total'))
      .where('account_id', '=', input.accountId)
      .where('credit_type', '=', input.creditType)
      .where('origin', '=', 'recharge')
      .where('status', '!=', 'failed')
      .where('created_at', '>=', monthStart(now))
      .executeTakeFirstOrThrow();
    if (spent.total + price.amountMinor > settings.monthly_cap_minor) {
      const month = now.toISOString().slice(0, 7);
      await writeOutboxEvent(tx, {
        id: `recharge.cap_reached:${input.accountId}:${input.creditType}:${month}`,
        accountId: input.accountId,
        type: 'recharge.cap_reached',
        payload: {
          creditType: input.creditType,
          month,
          spentMinor: String(spent.total),
          capMinor: String(settings.monthly_cap_minor),
          currency: settings.currency,
        },
        occurredAt: now,
      });
      return { kind: 'skip', reason: 'cap_reached' } as const;
    }
    // The reservation commits with the cap check, under the settings lock.
    await tx
      .insertInto('purchases')
      .values({
        id: purchaseId,
        account_id: input.accountId,
        origin: 'recharge',
        bundle_id: bundle.id,
        catalog_version: deps.catalog.version,
        quantity,
        credit_type: input.creditType,
        credits: price.credits,
        amount_minor: price.amountMinor,
        currency: price.currency,
        status: 'pending',
        workflow_id: input.workflowId,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return { kind: 'charge', purchaseId, amountMinor: String(price.amountMinor), currency: price.currency, credits: String(price.credits) };
  });
}

/**
 * Charges a reserved recharge (or a subscription's period) off-session with the
 * saved card. The caller's idempotency key names the workflow and attempt.
 */
export async function chargeRecharge(
  deps: PaymentsDeps,
  input: { purchaseId: string; idempotencyKey: string },
): Promise<PaymentIntentView | { noPaymentMethod: true }> {
  const purchase = await findPurchase(deps.ledger.db, input.purchaseId);
  const customerId = await ensureCustomer(deps, purchase.account_id);
  const settings = await deps.ledger.db
    .selectFrom('recharge_settings')
    .select('payment_method_id')
    .where('account_id', '=', purchase.account_id)
    .where('credit_type', '=', purchase.credit_type)
    .executeTakeFirst();
  const gateway = await gatewayFor(deps, purchase.account_id);
  const paymentMethodId = settings?.payment_method_id ?? (await gateway.firstPaymentMethod(customerId));
  if (!paymentMethodId) return { noPaymentMethod: true };
  const intent = await gateway.createPaymentIntent(
    {
      customerId,
      amountMinor: purchase.amount_minor,
      currency: purchase.currency,
      description:
        purchase.origin === 'subscription'
          ? `Plan ${purchase.bundle_id} (${purchase.catalog_version})`
          : `Auto-recharge ${purchase.bundle_id} x${purchase.quantity}`,
      metadata: { purchase_id: purchase.id, account_id: purchase.account_id, workflow_id: purchase.workflow_id ?? '' },
      offSession: { paymentMethodId },
    },
    input.idempotencyKey,
  );
  await deps.ledger.db
    .updateTable('purchases')
    .set({
      payment_intent_id: intent.id,
      status: intent.status === 'requires_action' ? 'requires_action' : 'pending',
      updated_at: deps.ledger.clock(),
    })
    .where('id', '=', purchase.id)
    .where('status', 'in', ['pending', 'requires_action'])
    .execute();
  return intent;
}

/** Writes the notification that the customer must authenticate a recharge (3-D Secure). */
export async function notifyRechargeAction(deps: PaymentsDeps, input: { purchaseId: string; paymentIntentId: string }): Promise<void> {
  const purchase = await findPurchase(deps.ledger.db, input.purchaseId);
  await inTransaction(deps.ledger.db, async (tx) => {
    await tx
      .updateTable('purchases')
      .set({ status: 'requires_action', payment_intent_id: input.paymentIntentId })
      .where('id', '=', purchase.id)
      .where('status', 'in', ['pending', 'requires_action'])
      .execute();
    await writeOutboxEvent(tx, {
      id: `recharge.requires_action:${input.paymentIntentId}`,
      accountId: purchase.account_id,
      type: 'recharge.requires_action',
      payload: { purchaseId: purchase.id, paymentIntentId: input.paymentIntentId, creditType: purchase.credit_type },
      occurredAt: deps.ledger.clock(),
    });
  });
}

/**
 * Settles a PaymentIntent the customer did not complete in time: cancels it
 * unless it succeeded meanwhile (then the caller grants). Returns its final status.
 */
export async function settleAbandonedIntent(
  deps: PaymentsDeps,
  input: { paymentIntentId: string; idempotencyKey: string },
): Promise<string> {
  // The intent's purchase names the account, whose mode names the Stripe that holds the intent.
  const purchase = await deps.ledger.db
    .selectFrom('purchases')
    .select('account_id')
    .where('payment_intent_id', '=', input.paymentIntentId)
    .executeTakeFirst();
  const gateway = purchase ? await gatewayFor(deps, purchase.account_id) : deps.gateway;
  const intent = await gateway.retrievePaymentIntent(input.paymentIntentId);
  if (['succeeded', 'canceled', 'processing'].includes(intent.status)) return intent.status;
  return (await gateway.cancelPaymentIntent(input.paymentIntentId, input.idempotencyKey)).status;
}

/** Final failure: the purchase fails, auto-recharge pauses, the account is flagged and recharge.failed is written, atomically. */
export async function failRecharge(deps: PaymentsDeps, input: { purchaseId: string; reason: string; attempts: number }): Promise<void> {
  const purchase = await findPurchase(deps.ledger.db, input.purchaseId);
  await inTransaction(deps.ledger.db, async (tx) => {
    const now = deps.ledger.clock();
    await failPendingPurchase(tx, purchase.id, input.reason, now);
    await tx
      .updateTable('recharge_settings')
      .set({ paused: true, updated_at: now })
      .where('account_id', '=', purchase.account_id)
      .where('credit_type', '=', purchase.credit_type)
      .execute();
    await flagAccount(tx, {
      accountId: purchase.account_id,
      flag: 'recharge_failed',
      reference: purchase.id,
      detail: `auto-recharge failed after ${input.attempts} attempts: ${input.reason}`,
      now,
    });
    await writeOutboxEvent(tx, {
      id: `recharge.failed:${purchase.id}`,
      accountId: purchase.account_id,
      type: 'recharge.failed',
      payload: {
        purchaseId: purchase.id,
        creditType: purchase.credit_type,
        reason: input.reason,
        attempts: input.attempts,
        autoRechargePaused: true,
      },
      occurredAt: now,
    });
  });
}
