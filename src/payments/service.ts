import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowIdReusePolicy } from '@temporalio/common';
import type { RefundPurchaseResult } from '../contracts/payments.js';
import type { LedgerDeps } from '../ledger/index.js';
import { formatMoney } from '../money/amount.js';
import { refundPurchaseWorkflow } from '../../workflows/payments/refund.js';
import { ensureCustomer } from './customers.js';
import { gatewayFor, type PaymentsApiDeps, type PaymentsDeps } from './deps.js';
import { listAccountFlags } from './flags.js';
import { findPurchase, getPurchaseView } from './purchases.js';
import { listRechargeSettings } from './recharge-settings.js';

/**
 * What the payment routes call besides the purchase and recharge-settings
 * functions they use as they are (createPurchase, saveRechargeSettings).
 * Reads need only the database (the ledger's); Stripe work needs the
 * payments dependencies, which a server without payments configured lacks.
 */
export interface PaymentsServiceDeps {
  ledger: LedgerDeps;
  temporal: Client;
}

/** The bundle catalog, prices as decimal strings. */
export function catalogView(payments: PaymentsDeps) {
  const { catalog } = payments;
  const bundles = [...catalog.bundles.values()].map((b) => ({ ...b, price: formatMoney(b.price.minor, b.price.currency) }));
  return { version: catalog.version, bundles };
}

/** A purchase as the API shows it; NotFoundError for an unknown id. */
export function purchaseView(deps: PaymentsServiceDeps, purchaseId: string) {
  return getPurchaseView(deps.ledger.db, purchaseId);
}

/** A Stripe SetupIntent to save a card for off-session charges (the account's Stripe customer is created on demand). */
export async function startSavingCard(payments: PaymentsDeps, accountId: string, idempotencyKey: string | undefined) {
  const customerId = await ensureCustomer(payments, accountId);
  const intent = await (await gatewayFor(payments, accountId)).createSetupIntent(customerId, `setup:${accountId}:${idempotencyKey}`);
  return { ...intent, customerId };
}

/** Auto-recharge settings per credit type, and the account's payment flags (failed recharge, dispute). */
export async function rechargeSettingsOf(deps: PaymentsServiceDeps, accountId: string) {
  return { data: await listRechargeSettings(deps.ledger.db, accountId), flags: await listAccountFlags(deps.ledger.db, accountId) };
}

/** A purchase to refund, and whether it may be: only a paid one (succeeded, or already refunded in part or whole). */
export async function purchaseForRefund(deps: PaymentsServiceDeps, purchaseId: string) {
  const purchase = await findPurchase(deps.ledger.db, purchaseId);
  return { purchase, refundable: ['succeeded', 'partially_refunded', 'refunded'].includes(purchase.status) };
}

/**
 * Runs (or joins) the refund workflow of a purchase, refund-<purchaseId>,
 * and waits for it: a finished refund answers every repeat, a failed one may
 * be tried again. A failure says its type (purchase_not_refundable, or
 * Stripe's) and why.
 */
export async function refundPurchase(
  deps: PaymentsServiceDeps,
  payments: PaymentsApiDeps,
  purchaseId: string,
  actor: string,
): Promise<{ refunded: RefundPurchaseResult & { workflowId: string } } | { failed: string | null | undefined; reason: string }> {
  const workflowId = `refund-${purchaseId}`;
  let handle;
  try {
    handle = await deps.temporal.workflow.start(refundPurchaseWorkflow, {
      workflowId,
      taskQueue: payments.taskQueue,
      args: [{ purchaseId, actor }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    handle = deps.temporal.workflow.getHandle<typeof refundPurchaseWorkflow>(workflowId);
  }
  try {
    return { refunded: { workflowId, ...(await handle.result()) } };
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    const cause = (error.cause?.cause ?? error.cause) as Error | undefined;
    return { failed: cause instanceof ApplicationFailure ? cause.type : undefined, reason: cause?.message ?? error.message };
  }
}
