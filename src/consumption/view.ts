import type { Database } from '../db/database.js';
import type { Consumption } from '../db/schema-consumption.js';
import { entryView, getCreditType, type EntryView } from '../ledger/index.js';
import { NotFoundError } from '../errors.js';
import { formatAmount } from '../money/amount.js';

export interface ConsumptionView {
  id: string;
  accountId: string;
  feature: string;
  status: string;
  enforcementMode: string;
  executeMode: string;
  estimate: string;
  actualQuantity: string | null;
  creditType: string | null;
  pricingVersion: string | null;
  reserved: string | null;
  burned: string | null;
  holdId: string | null;
  failureReason: string | null;
  /** Trace (R-A1): the ratings used (rule version, inputs, exact and rounded cost) and every ledger entry produced. */
  rating: { reserve: unknown; final: unknown };
  entries: EntryView[];
  createdAt: string;
  updatedAt: string;
}

/** The ledger entries of a consumption: the hold's entries (hold, commit, release) and any excess burn. */
async function consumptionEntries(db: Database, row: Consumption): Promise<EntryView[]> {
  if (!row.credit_type) return [];
  const creditType = await getCreditType(db, row.credit_type);
  const entries = await db
    .selectFrom('ledger_entries')
    .selectAll()
    .where('account_id', '=', row.account_id)
    .where((eb) => {
      const ors = [];
      if (row.hold_id) ors.push(eb('hold_id', '=', row.hold_id));
      if (row.burn_transaction_ids.length > 0) ors.push(eb('transaction_id', 'in', row.burn_transaction_ids));
      return ors.length > 0 ? eb.or(ors) : eb.val(false);
    })
    .orderBy('id')
    .execute();
  return entries.map((e) => entryView(creditType, e));
}

export async function getConsumptionView(db: Database, id: string): Promise<ConsumptionView> {
  const row = await db.selectFrom('consumptions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('consumption', id);
  const precision = row.credit_type ? (await getCreditType(db, row.credit_type)).precision : 0;
  const amount = (units: bigint | null) => (units === null ? null : formatAmount(units, precision));
  return {
    id: row.id,
    accountId: row.account_id,
    feature: row.feature,
    status: row.status,
    enforcementMode: row.enforcement_mode,
    executeMode: row.execute_mode,
    estimate: row.estimate,
    actualQuantity: row.actual_quantity,
    creditType: row.credit_type,
    pricingVersion: row.pricing_version,
    reserved: amount(row.reserved_amount),
    burned: amount(row.burned_amount),
    holdId: row.hold_id,
    failureReason: row.failure_reason,
    rating: { reserve: row.reserve_rating, final: row.final_rating },
    entries: await consumptionEntries(db, row),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
