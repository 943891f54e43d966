import { accountsOfMode } from '../../db/account-mode-filter.js';
import type { Database } from '../../db/database.js';
import type { Mode } from '../../db/schema.js';
import { entryView, getCreditType, type EntryView } from '../../ledger/index.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import { formatAmount } from '../../money/amount.js';

export interface UsageEventView {
  id: string;
  accountId: string;
  feature: string;
  /** The account's own user the usage was for, if the producer named one. */
  userId: string | null;
  quantity: string | null;
  properties: Record<string, unknown>;
  timestamp: string;
  receivedAt: string;
  status: string;
  enforcementMode: string | null;
  /** Trace (R-A1): rule version, inputs, exact and rounded cost. */
  rating: unknown;
  pricingVersion: string | null;
  creditType: string | null;
  cost: string | null;
  transactionId: string | null;
  closedPeriodStart: string | null;
  lastError: string | null;
  /** The ledger entries the burn produced; each carries usageEventId back to this event. */
  entries: EntryView[];
  /** Shadow mode: what would have been burned, kept out of the ledger. */
  shadowEntries: {
    step: string;
    amount: string;
    available: string;
    wouldBlock: boolean;
    pricingVersion: string | null;
    createdAt: string;
  }[];
}

/** One event by its id, within one account (ids are unique per account) or, for a key that sees all, wherever it is unique. */
export async function getUsageEventView(db: Database, id: string, accountId: string | null, mode: Mode): Promise<UsageEventView> {
  let query = db.selectFrom('usage_events').selectAll().where('id', '=', id);
  // Without an account, only the key's mode is searched: another mode's event with this id does not exist for it.
  query = accountId !== null ? query.where('account_id', '=', accountId) : query.where('account_id', 'in', accountsOfMode(mode));
  const found = await query.limit(2).execute();
  if (found.length === 0) throw new NotFoundError('usage event', id);
  if (found.length > 1) {
    throw new ConflictError('usage_event_id_ambiguous', `Several accounts sent an event with id ${id}; name the account with ?accountId=`);
  }
  const event = found[0]!;
  const creditType = event.credit_type ? await getCreditType(db, event.credit_type) : null;
  const amount = (units: bigint) => (creditType ? formatAmount(units, creditType.precision) : units.toString());
  const [entries, shadow] = await Promise.all([
    db
      .selectFrom('ledger_entries')
      .selectAll()
      .where('account_id', '=', event.account_id)
      .where('usage_event_id', '=', id)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('shadow_entries')
      .selectAll()
      .where('account_id', '=', event.account_id)
      .where('source', '=', 'usage_event')
      .where('source_id', '=', id)
      .orderBy('id')
      .execute(),
  ]);
  return {
    id: event.id,
    accountId: event.account_id,
    feature: event.feature,
    userId: event.user_id,
    quantity: event.quantity,
    properties: event.properties,
    timestamp: event.event_time.toISOString(),
    receivedAt: event.received_at.toISOString(),
    status: event.status,
    enforcementMode: event.enforcement_mode,
    rating: event.rating,
    pricingVersion: event.pricing_version,
    creditType: event.credit_type,
    cost: event.cost === null ? null : amount(event.cost),
    transactionId: event.transaction_id,
    closedPeriodStart: event.closed_period_start?.toISOString() ?? null,
    lastError: event.last_error,
    entries: creditType ? entries.map((e) => entryView(creditType, e)) : [],
    shadowEntries: shadow.map((s) => ({
      step: s.step,
      amount: amount(s.amount),
      available: amount(s.available),
      wouldBlock: s.would_block,
      pricingVersion: s.pricing_version,
      createdAt: s.created_at.toISOString(),
    })),
  };
}
