import { sql, type RawBuilder } from 'kysely';
import type { Database } from '../db/database.js';
import type { CreditType, EntryType, LedgerEntry } from '../db/schema.js';
import { fromUnits, getCreditType } from './credit-types.js';
import { NotFoundError } from '../errors.js';

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
  /** Only for a pool member with a cap: what it may still draw from the pool this UTC month (available counts no more of the pool). */
  poolCap?: { cap: string; drawn: string; remaining: string; periodEnd: string };
}

/** A pool member's cap and what it drew this period, as units. */
export interface PoolCapUnits {
  cap: bigint;
  drawn: bigint;
  periodEnd: string;
}

export interface AccountBalance {
  accountId: string;
  at: string;
  pointInTime: boolean;
  balances: CreditTypeBalance[];
}

export interface GrantState {
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

/** One credit type's balance from its grants (own and pool parents', in burn order) and the account's own figures. */
export function summarizeBalance(
  creditType: CreditType,
  accountId: string,
  grants: GrantState[],
  own: { held: bigint; debt: bigint; overdraftLimit: bigint; lifetime: Record<string, bigint>; poolCap?: PoolCapUnits | undefined },
  now: Date,
): CreditTypeBalance {
  const units = (value: bigint) => fromUnits(creditType, value);
  let spendable = 0n;
  let fromPool = 0n;
  let pending = 0n;
  const breakdown: GrantBalance[] = [];
  for (const g of grants) {
    const live = g.status === 'active' && (g.expires_at === null || g.expires_at > now);
    const isSpendable = live && g.effective_at <= now && g.remaining > 0n;
    if (isSpendable) spendable += g.remaining;
    if (isSpendable && g.account_id !== accountId) fromPool += g.remaining;
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
  const cap = own.poolCap;
  const room = cap ? (cap.cap > cap.drawn ? cap.cap - cap.drawn : 0n) : 0n;
  // A capped member spends at most its cap's room of the pool's grants (as the ledger's ledger_spend_funds counts).
  const available = spendable - (cap && fromPool > room ? fromPool - room : 0n) - own.debt;
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
    ...(cap && { poolCap: { cap: units(cap.cap), drawn: units(cap.drawn), remaining: units(room), periodEnd: cap.periodEnd } }),
  };
}

interface BalanceRead {
  chain: string[];
  /** [credit type, debt, overdraft limit, granted, burned, refunded, expired, voided], int8 as text. */
  balances: [string, string, string, string, string, string, string, string][];
  /** [id, account, credit type, source, priority, remaining, effective at, expires at, status], in burn order. */
  grants: [string, string, string, string, number, string, string, string | null, string][];
  /** [credit type, Σ active holds], int8 as text. */
  holds: [string, string][];
  /** [credit type, cap, drawn this period, period end]. */
  caps: [string, string, string, string][];
}

/**
 * R-L4: balances per credit type now, in one statement: one call of
 * ledger_balance_view (the account's balance rows, the live grants of it and
 * its pool parents in burn order by ledger_burn_key, the one definition, and
 * what its active holds reserve; a PL/pgSQL function so its plan is cached).
 * It reads the primary, so a caller always reads its own writes.
 */
export async function getBalances(db: Database, accountId: string, now: Date): Promise<AccountBalance> {
  return (await getBalancesWith(db, accountId, now, sql`null`)).balance;
}

/**
 * getBalances with a caller's own sub-select read in the same statement (an
 * area above the ledger adds what it knows about the account: the usage not
 * yet burned), so the read stays one round trip.
 */
export async function getBalancesWith<T>(
  db: Database,
  accountId: string,
  now: Date,
  alongside: RawBuilder<T>,
): Promise<{ balance: AccountBalance; alongside: T }> {
  // A pool member's caps and this month's draws (issue 18) beside the view: the view reads no clock.
  const { rows } = await sql<{ view: BalanceRead | null; caps: BalanceRead['caps']; alongside: T }>`
    select ledger_balance_view(${accountId}) as view, ${alongside} as alongside,
      (select coalesce(json_agg(json_build_array(pc.credit_type, pc.cap::text, pc.drawn::text,
                ledger_iso(ledger_cap_period(${now}::timestamptz) + interval '1 month'))), '[]')
         from ledger_pool_cap_list(${accountId}, ${now}::timestamptz) pc) as caps`.execute(db);
  const view = rows[0]!.view;
  if (view === null) throw new NotFoundError('account', accountId);
  // A cap binds only while the account is in a pool (as the ledger's ledger_spend_funds reads it).
  const read = { ...view, caps: view.chain.length > 1 ? rows[0]!.caps : [] };
  return { balance: await balanceFromView(db, accountId, now, read), alongside: rows[0]!.alongside };
}

async function balanceFromView(db: Database, accountId: string, now: Date, read: BalanceRead): Promise<AccountBalance> {
  const grants: GrantState[] = read.grants.map(
    ([id, account, creditType, source, priority, remaining, effectiveAt, expiresAt, status]) => ({
      id,
      account_id: account,
      credit_type: creditType,
      source,
      priority,
      remaining: BigInt(remaining),
      effective_at: new Date(effectiveAt),
      expires_at: expiresAt === null ? null : new Date(expiresAt),
      status,
    }),
  );
  const rowsByType = new Map(read.balances.map((row) => [row[0], row.slice(1).map((v) => BigInt(v))] as const));
  const held = new Map(read.holds.map(([creditType, amount]) => [creditType, BigInt(amount)]));
  const caps = new Map(read.caps.map(([ct, cap, drawn, periodEnd]) => [ct, { cap: BigInt(cap), drawn: BigInt(drawn), periodEnd }]));
  const creditTypes = new Set([...rowsByType.keys(), ...grants.map((g) => g.credit_type)]);
  const balances: CreditTypeBalance[] = [];
  for (const ct of [...creditTypes].sort()) {
    const row = rowsByType.get(ct);
    const [debt, overdraftLimit, granted, burned, refunded, expired, voided] = row ?? [];
    balances.push(
      summarizeBalance(
        await getCreditType(db, ct),
        accountId,
        grants.filter((g) => g.credit_type === ct),
        {
          held: held.get(ct) ?? 0n,
          debt: debt ?? 0n,
          overdraftLimit: overdraftLimit ?? 0n,
          lifetime: row ? { granted: granted!, burned: burned!, refunded: refunded!, expired: expired!, voided: voided! } : {},
          poolCap: caps.get(ct),
        },
        now,
      ),
    );
  }
  return { accountId, at: now.toISOString(), pointInTime: false, balances };
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
