import type { Database } from '../db/database.js';
import type { RechargeSettings } from '../db/schema-payments.js';
import { fromUnits, getCreditType, requireAccount, toUnits } from '../ledger/index.js';
import { ValidationError } from '../errors.js';
import { formatMoney, parseMoney } from '../money/amount.js';
import type { PaymentsDeps } from './deps.js';
import { requireBundle } from './purchases.js';

export interface RechargeSettingsInput {
  creditType: string;
  enabled: boolean;
  /** Recharge when available credits fall below this. */
  threshold: string;
  /** What a recharge buys: this bundle… */
  bundleId: string;
  /** …this many times, or */
  quantity?: number | undefined;
  /** …as many as it takes to bring available up to this. */
  topUpTo?: string | undefined;
  /** Most money auto-recharge may charge per calendar month (UTC). */
  monthlyCap: { amount: string; currency: string };
  paymentMethodId?: string | undefined;
}

export function rechargeSettingsView(precision: { id: string; name: string; precision: number; created_at: Date }, s: RechargeSettings) {
  return {
    accountId: s.account_id,
    creditType: s.credit_type,
    enabled: s.enabled,
    paused: s.paused,
    threshold: fromUnits(precision, s.threshold),
    bundleId: s.bundle_id,
    quantity: s.quantity,
    topUpTo: s.top_up_to === null ? null : fromUnits(precision, s.top_up_to),
    monthlyCap: formatMoney(s.monthly_cap_minor, s.currency),
    paymentMethodId: s.payment_method_id,
    updatedAt: s.updated_at.toISOString(),
  };
}

/** Creates or replaces an account's auto-recharge settings for one credit type; saving also resumes a paused recharge. */
export async function saveRechargeSettings(deps: PaymentsDeps, accountId: string, input: RechargeSettingsInput) {
  const db = deps.ledger.db;
  await requireAccount(db, accountId);
  const creditType = await getCreditType(db, input.creditType).catch(() => {
    throw new ValidationError('Unknown credit type', [{ path: 'creditType', message: `credit type ${input.creditType} does not exist` }]);
  });
  const bundle = requireBundle(deps.catalog, input.bundleId);
  if (bundle.creditType !== creditType.id) {
    throw new ValidationError('Bundle sells another credit type', [
      { path: 'bundleId', message: `bundle ${bundle.id} sells ${bundle.creditType}` },
    ]);
  }
  const cap = parseMoney(input.monthlyCap.amount, input.monthlyCap.currency);
  if (cap.currency !== bundle.price.currency) {
    throw new ValidationError('Cap currency differs from the bundle price', [
      { path: 'monthlyCap.currency', message: `bundle ${bundle.id} is priced in ${bundle.price.currency}` },
    ]);
  }
  const threshold = toUnits(creditType, input.threshold, 'threshold', { allowZero: true });
  const topUpTo = input.topUpTo === undefined ? null : toUnits(creditType, input.topUpTo, 'topUpTo');
  if (topUpTo !== null && topUpTo <= threshold) {
    throw new ValidationError('topUpTo must exceed the threshold', [
      { path: 'topUpTo', message: 'a top-up target at or below the threshold would never stop recharging' },
    ]);
  }
  const row = {
    enabled: input.enabled,
    paused: false,
    threshold,
    bundle_id: bundle.id,
    quantity: input.quantity ?? 1,
    top_up_to: topUpTo,
    monthly_cap_minor: cap.minor,
    currency: cap.currency,
    payment_method_id: input.paymentMethodId ?? null,
    updated_at: deps.ledger.clock(),
  };
  const saved = await db
    .insertInto('recharge_settings')
    .values({ account_id: accountId, credit_type: creditType.id, ...row })
    .onConflict((oc) => oc.columns(['account_id', 'credit_type']).doUpdateSet(row))
    .returningAll()
    .executeTakeFirstOrThrow();
  return rechargeSettingsView(creditType, saved);
}

export async function listRechargeSettings(db: Database, accountId: string) {
  const rows = await db.selectFrom('recharge_settings').selectAll().where('account_id', '=', accountId).orderBy('credit_type').execute();
  return Promise.all(rows.map(async (r) => rechargeSettingsView(await getCreditType(db, r.credit_type), r)));
}
