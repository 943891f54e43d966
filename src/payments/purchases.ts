import { createHash } from 'node:crypto';
import type { Database, Tx } from '../db/database.js';
import type { CreditType } from '../db/schema.js';
import type { Purchase, PurchaseOrigin } from '../db/schema-payments.js';
import { fromUnits, getCreditType, toUnits } from '../ledger/index.js';
import { issueGrant } from '../observability/measured-ledger.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { formatMoney } from '../money/amount.js';
import { inTransaction } from '../db/transaction.js';
import { writeOutboxEvent } from '../outbox/outbox.js';
import type { Bundle, Catalog } from './catalog.js';
import { ensureCustomer } from './customers.js';
import { gatewayFor, type PaymentsDeps } from './deps.js';
import { PaymentDeclinedError } from './gateway.js';

export interface PurchaseView {
  id: string;
  accountId: string;
  origin: PurchaseOrigin;
  bundleId: string;
  catalogVersion: string;
  quantity: number;
  creditType: string;
  credits: string;
  amount: { amount: string; currency: string };
  refunded: { amount: string; currency: string };
  status: Purchase['status'];
  paymentIntentId: string | null;
  grantId: string | null;
  failureReason: string | null;
  createdAt: string;
}

export function purchaseView(creditType: CreditType, p: Purchase): PurchaseView {
  return {
    id: p.id,
    accountId: p.account_id,
    origin: p.origin,
    bundleId: p.bundle_id,
    catalogVersion: p.catalog_version,
    quantity: p.quantity,
    creditType: p.credit_type,
    credits: fromUnits(creditType, p.credits),
    amount: formatMoney(p.amount_minor, p.currency),
    refunded: formatMoney(p.refunded_minor, p.currency),
    status: p.status,
    paymentIntentId: p.payment_intent_id,
    grantId: p.grant_id,
    failureReason: p.failure_reason,
    createdAt: p.created_at.toISOString(),
  };
}

/** A stable purchase id from what makes the purchase unique (an HTTP idempotency key, a workflow run and round). */
export function purchaseIdFrom(...parts: string[]): string {
  return `pur_${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24)}`;
}

export async function findPurchase(db: Database, id: string): Promise<Purchase> {
  const row = await db.selectFrom('purchases').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('purchase', id);
  return row;
}

export async function getPurchaseView(db: Database, id: string): Promise<PurchaseView> {
  const p = await findPurchase(db, id);
  return purchaseView(await getCreditType(db, p.credit_type), p);
}

export function requireBundle(catalog: Catalog, bundleId: string, path = 'bundleId'): Bundle {
  const bundle = catalog.bundles.get(bundleId);
  if (!bundle) {
    throw new ValidationError('Unknown bundle', [
      { path, message: `bundle ${bundleId} is not in catalog ${catalog.version}; known: ${[...catalog.bundles.keys()].join(', ')}` },
    ]);
  }
  return bundle;
}

/** Price and credits of `quantity` bundles, exact. */
export async function quote(deps: PaymentsDeps, bundle: Bundle, quantity: number) {
  const creditType = await getCreditType(deps.ledger.db, bundle.creditType);
  const q = BigInt(quantity);
  return {
    creditType,
    credits: toUnits(creditType, bundle.credits, 'credits') * q,
    amountMinor: bundle.price.minor * q,
    currency: bundle.price.currency,
  };
}

export interface NewPurchase {
  id: string;
  accountId: string;
  origin: PurchaseOrigin;
  bundle: Bundle;
  quantity: number;
  workflowId?: string;
}

/** Inserts a pending purchase, or returns the one already stored under this id. */
export async function insertPurchase(deps: PaymentsDeps, input: NewPurchase): Promise<Purchase> {
  const { credits, amountMinor, currency } = await quote(deps, input.bundle, input.quantity);
  const now = deps.ledger.clock();
  await deps.ledger.db
    .insertInto('purchases')
    .values({
      id: input.id,
      account_id: input.accountId,
      origin: input.origin,
      bundle_id: input.bundle.id,
      catalog_version: deps.catalog.version,
      quantity: input.quantity,
      credit_type: input.bundle.creditType,
      credits,
      amount_minor: amountMinor,
      currency,
      status: 'pending',
      workflow_id: input.workflowId ?? null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return findPurchase(deps.ledger.db, input.id);
}

export interface PurchaseResult extends PurchaseView {
  /** What a front end passes to stripe.confirmPayment(); null once paid. */
  clientSecret: string | null;
}

/**
 * POST /v1/accounts/{id}/purchases: a pending purchase and its PaymentIntent.
 * Without a payment method the front end confirms with the client secret and
 * the credits arrive by webhook; with one, the charge is confirmed here
 * off-session and, when it succeeds, granted before returning. Retries with
 * the same purchase id reach the same PaymentIntent (idempotency key).
 */
export async function createPurchase(
  deps: PaymentsDeps,
  input: { purchaseId: string; accountId: string; bundleId: string; paymentMethodId?: string | undefined },
  actor: string,
): Promise<PurchaseResult> {
  const bundle = requireBundle(deps.catalog, input.bundleId);
  const customerId = await ensureCustomer(deps, input.accountId);
  let purchase = await insertPurchase(deps, { id: input.purchaseId, accountId: input.accountId, origin: 'purchase', bundle, quantity: 1 });
  let intent;
  try {
    intent = await (
      await gatewayFor(deps, input.accountId)
    ).createPaymentIntent(
      {
        customerId,
        amountMinor: purchase.amount_minor,
        currency: purchase.currency,
        description: `${bundle.name} (${deps.catalog.version})`,
        metadata: { purchase_id: purchase.id, account_id: purchase.account_id, bundle_id: bundle.id },
        ...(input.paymentMethodId && { offSession: { paymentMethodId: input.paymentMethodId } }),
      },
      `purchase:${purchase.id}`,
    );
  } catch (error) {
    if (error instanceof PaymentDeclinedError) await markPurchaseFailed(deps, purchase.id, error.declineCode);
    throw error;
  }
  await deps.ledger.db
    .updateTable('purchases')
    .set({ payment_intent_id: intent.id, updated_at: deps.ledger.clock() })
    .where('id', '=', purchase.id)
    .where('payment_intent_id', 'is', null)
    .execute();
  if (intent.status === 'succeeded') await fulfilPurchase(deps, purchase.id, intent.id, actor);
  purchase = await findPurchase(deps.ledger.db, purchase.id);
  const creditType = await getCreditType(deps.ledger.db, purchase.credit_type);
  return { ...purchaseView(creditType, purchase), clientSecret: purchase.status === 'succeeded' ? null : intent.clientSecret };
}

/**
 * The payment succeeded: grant the credits once. Called by the webhook, by a
 * synchronous confirmation and by the recharge workflow, in any order and any
 * number of times: the grant is idempotent by PaymentIntent id (externalRef),
 * and the purchase update and outbox event by purchase id.
 */
export async function fulfilPurchase(
  deps: PaymentsDeps,
  purchaseId: string,
  paymentIntentId: string,
  actor: string,
): Promise<PurchaseView> {
  const purchase = await findPurchase(deps.ledger.db, purchaseId);
  const creditType = await getCreditType(deps.ledger.db, purchase.credit_type);
  const grant = await issueGrant(
    deps.ledger,
    {
      accountId: purchase.account_id,
      creditType: purchase.credit_type,
      amount: fromUnits(creditType, purchase.credits),
      source: 'purchase',
      costBasis: formatMoney(purchase.amount_minor, purchase.currency),
      pricingVersion: purchase.catalog_version,
      externalRef: paymentIntentId,
      metadata: { purchase_id: purchase.id, bundle_id: purchase.bundle_id },
    },
    { actor, idempotencyKey: `purchase-grant:${paymentIntentId}`, reason: `${purchase.origin} ${purchase.id}` },
  );
  const updated = await inTransaction(deps.ledger.db, async (tx) => {
    const now = deps.ledger.clock();
    const row = await tx
      .updateTable('purchases')
      .set({ status: 'succeeded', grant_id: grant.id, payment_intent_id: paymentIntentId, failure_reason: null, updated_at: now })
      .where('id', '=', purchaseId)
      .where('status', 'in', ['pending', 'requires_action', 'failed'])
      .returningAll()
      .executeTakeFirst();
    const current = row ?? (await tx.selectFrom('purchases').selectAll().where('id', '=', purchaseId).executeTakeFirstOrThrow());
    await writeOutboxEvent(tx, {
      id: `${purchase.origin}.succeeded:${purchase.id}`,
      accountId: purchase.account_id,
      type: `${purchase.origin}.succeeded`,
      payload: { ...purchaseView(creditType, current) },
      occurredAt: now,
    });
    return current;
  });
  return purchaseView(creditType, updated);
}

/** The same inside a caller's transaction (a final failure written with its consequences). */
export async function failPendingPurchase(tx: Tx, purchaseId: string, reason: string, now: Date): Promise<void> {
  await tx
    .updateTable('purchases')
    .set({ status: 'failed', failure_reason: reason, updated_at: now })
    .where('id', '=', purchaseId)
    .where('status', 'in', ['pending', 'requires_action'])
    .execute();
}

/** A pending purchase whose payment failed (declined card, payment_intent.payment_failed). Never touches a paid one. */
export async function markPurchaseFailed(deps: PaymentsDeps, purchaseId: string, reason: string): Promise<void> {
  await deps.ledger.db
    .updateTable('purchases')
    .set({ status: 'failed', failure_reason: reason, updated_at: deps.ledger.clock() })
    .where('id', '=', purchaseId)
    .where('status', 'in', ['pending', 'requires_action'])
    .execute();
}
