import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { CreditType, EntryType, LedgerEntry } from '../db/schema.js';
import { poolChain } from './accounts.js';
import { fromUnits, getCreditType } from './credit-types.js';

export interface GrantBalance {
  id: string;
  accountId: string;
  source: string;
  priority: number;
  remaining: string;
  effectiveAt: string;
  expiresAt: string | null;
  spendable: boolean;
}

export interface CreditTypeBalance {
  creditType: string;
  /** Spendable now: live grants of the account and its pool parents, less overdraft used. */
  available: string;
  /** Reserved by this account's active holds (also when the credits come from a pool parent). */
  held: string;
  /** Granted but not yet effective. */
  pending: string;
  /** available + held. */
  total: string;
  overdraftUsed: string;
  overdraftLimit: string;
  /** Totals over the account's life (own grants only). */
  lifetime: { granted: string; burned: string; refunded: string; expired: string; voided: string };
  grants: GrantBalance[];
}

export interface AccountBalance {
  accountId: string;
  at: string;
  pointInTime: boolean;
  balances: CreditTypeBalance[];
}

interface GrantState {
  id: string;
  account_id: string;
  credit_type: string;
  source: string;
  priority: number;
  remaining: bigint;
  effective_at: Date;
  expires_at: Date | null;
  status: string;
}

function summarize(
  creditType: CreditType,
  accountId: string,
  grants: GrantState[],
  own: { held: bigint; debt: bigint; overdraftLimit: bigint; lifetime: Record<string, bigint> },
  now: Date,
): CreditTypeBalance {
  const units = (value: bigint) => fromUnits(creditType, value);
  let spendable = 0n;
  let pending = 0n;
  const breakdown: GrantBalance[] = [];
  for (const g of grants) {
    const live = g.status === 'active' && (g.expires_at === null || g.expires_at > now);
    const isSpendable = live && g.effective_at <= now && g.remaining > 0n;
    if (isSpendable) spendable += g.remaining;
    if (live && g.effective_at > now && g.account_id === accountId) pending += g.remaining;
    if (g.remaining > 0n && live) {
      breakdown.push({
        id: g.id,
        accountId: g.account_id,
        source: g.source,
        priority: g.priority,
        remaining: units(g.remaining),
        effectiveAt: g.effective_at.toISOString(),
        expiresAt: g.expires_at?.toISOString() ?? null,
        spendable: isSpendable,
      });
    }
  }
  const available = spendable - own.debt;
  return {
    creditType: creditType.id,
    available: units(available),
    held: units(own.held),
    pending: units(pending),
    total: units(available + own.held),
    overdraftUsed: units(own.debt),
    overdraftLimit: units(own.overdraftLimit),
    lifetime: {
      granted: units(own.lifetime.granted ?? 0n),
      burned: units(own.lifetime.burned ?? 0n),
      refunded: units(own.lifetime.refunded ?? 0n),
      expired: units(own.lifetime.expired ?? 0n),
      voided: units(own.lifetime.voided ?? 0n),
    },
    grants: breakdown,
  };
}

/** R-L4: balances per credit type now, from the balance rows and live grants. */
export async function getBalances(db: Database, accountId: string, now: Date): Promise<AccountBalance> {
  const chainIds = (await poolChain(db, accountId)).map((a) => a.id);
  const [rows, grants, holds] = await Promise.all([
    db.selectFrom('balances').selectAll().where('account_id', '=', accountId).orderBy('credit_type').execute(),
    db
      .selectFrom('grants')
      .select(['id', 'account_id', 'credit_type', 'source', 'priority', 'remaining', 'effective_at', 'expires_at', 'status'])
      .where('account_id', 'in', chainIds)
      .where('status', '=', 'active')
      .where('remaining', '>', 0n)
      .orderBy(sql`array_position(${sql.val(chainIds)}::text[], account_id)`)
      .orderBy('priority')
      .orderBy(sql`expires_at asc nulls last`)
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
    // What this account's own active holds reserve, wherever in the pool the credits sit.
    db
      .selectFrom('holds')
      .select(['credit_type', sql<bigint>`sum(amount)::int8`.as('held')])
      .where('account_id', '=', accountId)
      .where('status', '=', 'active')
      .groupBy('credit_type')
      .execute(),
  ]);
  const creditTypes = new Set([...rows.map((r) => r.credit_type), ...grants.map((g) => g.credit_type)]);
  const balances: CreditTypeBalance[] = [];
  for (const ct of [...creditTypes].sort()) {
    const creditType = await getCreditType(db, ct);
    const row = rows.find((r) => r.credit_type === ct);
    balances.push(
      summarize(
        creditType,
        accountId,
        grants.filter((g) => g.credit_type === ct),
        {
          held: holds.find((h) => h.credit_type === ct)?.held ?? 0n,
          debt: row?.debt ?? 0n,
          overdraftLimit: row?.overdraft_limit ?? 0n,
          lifetime: row
            ? { granted: row.granted, burned: row.burned, refunded: row.refunded, expired: row.expired, voided: row.voided }
            : {},
        },
        now,
      ),
    );
  }
  return { accountId, at: now.toISOString(), pointInTime: false, balances };
}

/**
 * R-L6: the balance as it was at `at`, rebuilt from the entries. Each entry
 * records the balance and held amount after it, so the state at `at` is the
 * last entry at or before it: one index probe per credit type and one per
 * grant (O((T + G) log N) for T credit types, G grants, N entries), never a
 * scan of the history. Pool parents' grants are not included.
 */
export async function getBalancesAt(db: Database, accountId: string, at: Date): Promise<AccountBalance> {
  const lastEntries = await sql<{ credit_type: string; balance_after: bigint; held_after: bigint }>`
    select ct.credit_type, e.balance_after, e.held_after
    from (select credit_type from balances where account_id = ${accountId}) ct
    cross join lateral (
      select balance_after, held_after from ledger_entries
      where account_id = ${accountId} and credit_type = ct.credit_type and created_at <= ${at}
      order by created_at desc, id desc limit 1
    ) e
    order by ct.credit_type`.execute(db);
  const grantStates = await sql<GrantState>`
    select g.id, g.account_id, g.credit_type, g.source, g.priority, e.grant_remaining_after as remaining,
           g.effective_at, g.expires_at, case when e.entry_type in ('void') then 'voided' else 'active' end as status
    from grants g
    cross join lateral (
      select grant_remaining_after, entry_type from ledger_entries
      where account_id = g.account_id and grant_id = g.id and created_at <= ${at}
        and grant_remaining_after is not null
      order by id desc limit 1
    ) e
    where g.account_id = ${accountId}
    order by g.priority, g.expires_at asc nulls last, g.created_at, g.id`.execute(db);

  const balances: CreditTypeBalance[] = [];
  for (const last of lastEntries.rows) {
    const creditType = await getCreditType(db, last.credit_type);
    const grants = grantStates.rows.filter((g) => g.credit_type === last.credit_type);
    const remainingSum = grants.reduce((sum, g) => sum + g.remaining, 0n);
    const summary = summarize(
      creditType,
      accountId,
      grants,
      { held: last.held_after, debt: remainingSum - last.balance_after, overdraftLimit: 0n, lifetime: {} },
      at,
    );
    balances.push(summary);
  }
  return { accountId, at: at.toISOString(), pointInTime: true, balances };
}

export interface EntryView {
  id: string;
  transactionId: string;
  type: EntryType;
  creditType: string;
  amount: string;
  balanceBefore: string;
  balanceAfter: string;
  heldAfter: string;
  grantId: string | null;
  holdId: string | null;
  initiatorAccountId: string;
  actor: string;
  reason: string | null;
  feature: string | null;
  usageEventId: string | null;
  metadata: Record<string, unknown>;
  createdAt: string;
}

export function entryView(creditType: CreditType, e: LedgerEntry): EntryView {
  return {
    id: e.id.toString(),
    transactionId: e.transaction_id,
    type: e.entry_type,
    creditType: e.credit_type,
    amount: fromUnits(creditType, e.amount),
    balanceBefore: fromUnits(creditType, e.balance_before),
    balanceAfter: fromUnits(creditType, e.balance_after),
    heldAfter: fromUnits(creditType, e.held_after),
    grantId: e.grant_id,
    holdId: e.hold_id,
    initiatorAccountId: e.initiator_account_id,
    actor: e.actor,
    reason: e.reason,
    feature: e.feature,
    usageEventId: e.usage_event_id,
    metadata: e.metadata,
    createdAt: e.created_at.toISOString(),
  };
}

export interface EntryFilter {
  types?: EntryType[] | undefined;
  creditType?: string | undefined;
  feature?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Cursor: entries older than this id. */
  before?: bigint | undefined;
  limit: number;
}

/** History, newest first, with a cursor for the next page. */
export async function listEntries(
  db: Database,
  accountId: string,
  filter: EntryFilter,
): Promise<{ data: EntryView[]; nextCursor: string | null }> {
  let query = db.selectFrom('ledger_entries').selectAll().where('account_id', '=', accountId);
  if (filter.types?.length) query = query.where('entry_type', 'in', filter.types);
  if (filter.creditType) query = query.where('credit_type', '=', filter.creditType);
  if (filter.feature) query = query.where('feature', '=', filter.feature);
  if (filter.from) query = query.where('created_at', '>=', filter.from);
  if (filter.to) query = query.where('created_at', '<', filter.to);
  if (filter.before !== undefined) query = query.where('id', '<', filter.before);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(filter.limit + 1)
    .execute();
  const page = rows.slice(0, filter.limit);
  const data = await Promise.all(page.map(async (e) => entryView(await getCreditType(db, e.credit_type), e)));
  return { data, nextCursor: rows.length > filter.limit ? page[page.length - 1]!.id.toString() : null };
}
