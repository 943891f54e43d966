import { sql } from 'kysely';
import type { Database } from '../db/database.js';

/**
 * What one chain (account, credit type) did in a period [from, to), from its
 * entries: the credits it held at the start and at the end (balance + held,
 * as the entries before each edge left them) and what moved in between.
 * Statements (R-A2) show it; month-end close checks it for every chain.
 *
 *   opening + granted − burned − expired + refunded − voided = closing
 *
 * (burned counts burns and commits; refunds and voids are the adjustments;
 * holds, releases and settlements move credits within the chain and leave
 * balance + held as it was). It follows from the posting table, so it fails
 * only when an entry's amount, type or recorded balance was altered.
 */
export interface ChainMovements {
  accountId: string;
  creditType: string;
  opening: bigint;
  closing: bigint;
  granted: bigint;
  burned: bigint;
  expired: bigint;
  refunded: bigint;
  voided: bigint;
}

interface MovementRow {
  account_id: string;
  credit_type: string;
  opening: string;
  closing: string;
  granted: string;
  burned: string;
  expired: string;
  refunded: string;
  voided: string;
}

/** opening + granted − burned − expired + refunded − voided: what the closing must be. */
export const expectedClosing = (m: ChainMovements): bigint => m.opening + m.granted - m.burned - m.expired + m.refunded - m.voided;

async function readMovements(db: Database, from: Date, to: Date, accountId: string | null): Promise<ChainMovements[]> {
  const edge = (before: Date) => sql`
    select balance_after + held_after as credits from ledger_entries
    where account_id = b.account_id and credit_type = b.credit_type and created_at < ${before}
    order by created_at desc, id desc limit 1`;
  const { rows } = await sql<MovementRow>`
    select b.account_id, b.credit_type, coalesce(o.credits, 0)::text as opening, coalesce(c.credits, 0)::text as closing,
      coalesce(m.granted, 0)::text as granted, coalesce(m.burned, 0)::text as burned, coalesce(m.expired, 0)::text as expired,
      coalesce(m.refunded, 0)::text as refunded, coalesce(m.voided, 0)::text as voided
    from balances b
    left join lateral (${edge(from)}) o on true
    left join lateral (${edge(to)}) c on true
    left join lateral (
      select sum(amount) filter (where entry_type = 'grant') as granted,
             sum(amount) filter (where entry_type in ('burn', 'commit')) as burned,
             sum(amount) filter (where entry_type = 'expiry') as expired,
             sum(amount) filter (where entry_type = 'refund') as refunded,
             sum(amount) filter (where entry_type = 'void') as voided
      from ledger_entries
      where account_id = b.account_id and credit_type = b.credit_type and created_at >= ${from} and created_at < ${to}
    ) m on true
    where ${accountId === null ? sql`true` : sql`b.account_id = ${accountId}`}
      and (o.credits is not null or c.credits is not null)
    order by b.account_id, b.credit_type`.execute(db);
  return rows.map((r) => ({
    accountId: r.account_id,
    creditType: r.credit_type,
    opening: BigInt(r.opening),
    closing: BigInt(r.closing),
    granted: BigInt(r.granted),
    burned: BigInt(r.burned),
    expired: BigInt(r.expired),
    refunded: BigInt(r.refunded),
    voided: BigInt(r.voided),
  }));
}

/** One account's chains in [from, to); a chain with no entry before `to` is left out. */
export function accountMovements(db: Database, accountId: string, from: Date, to: Date): Promise<ChainMovements[]> {
  return readMovements(db, from, to, accountId);
}

/** Every chain whose movements in [from, to) do not add up to its closing: month-end close reports each. */
export async function periodIdentityMismatches(db: Database, from: Date, to: Date): Promise<ChainMovements[]> {
  return (await readMovements(db, from, to, null)).filter((m) => expectedClosing(m) !== m.closing);
}

export interface PeriodGrant {
  id: string;
  creditType: string;
  source: string;
  /** Issued: the grant's amount; expired: what its expiry entries took in the period. */
  amount: bigint;
  effectiveAt: Date;
  expiresAt: Date | null;
  reason: string | null;
  costBasisMinor: bigint | null;
  costBasisCurrency: string | null;
  externalRef: string | null;
  at: Date;
}

const grantColumns = sql`g.id, g.credit_type, g.source, g.effective_at, g.expires_at, g.reason, g.cost_basis_minor, g.cost_basis_currency, g.external_ref`;
const toPeriodGrant = (r: Record<string, unknown>): PeriodGrant => ({
  id: r.id as string,
  creditType: r.credit_type as string,
  source: r.source as string,
  amount: BigInt(r.amount as string),
  effectiveAt: r.effective_at as Date,
  expiresAt: (r.expires_at as Date | null) ?? null,
  reason: (r.reason as string | null) ?? null,
  costBasisMinor: (r.cost_basis_minor as bigint | null) ?? null,
  costBasisCurrency: (r.cost_basis_currency as string | null) ?? null,
  externalRef: (r.external_ref as string | null) ?? null,
  at: r.at as Date,
});

/** The account's grants issued in [from, to) (their grant entry in the period), oldest first. */
export async function grantsIssuedIn(db: Database, accountId: string, from: Date, to: Date): Promise<PeriodGrant[]> {
  const { rows } = await sql<Record<string, unknown>>`
    select ${grantColumns}, e.amount::text as amount, e.created_at as at
    from ledger_entries e join grants g on g.account_id = e.account_id and g.id = e.grant_id
    where e.account_id = ${accountId} and e.entry_type = 'grant' and e.created_at >= ${from} and e.created_at < ${to}
    order by e.created_at, e.id`.execute(db);
  return rows.map(toPeriodGrant);
}

/** The account's grants that expired in [from, to), with what their expiry entries took then. */
export async function grantsExpiredIn(db: Database, accountId: string, from: Date, to: Date): Promise<PeriodGrant[]> {
  const { rows } = await sql<Record<string, unknown>>`
    select ${grantColumns}, sum(e.amount)::text as amount, max(e.created_at) as at
    from ledger_entries e join grants g on g.account_id = e.account_id and g.id = e.grant_id
    where e.account_id = ${accountId} and e.entry_type = 'expiry' and e.created_at >= ${from} and e.created_at < ${to}
    group by g.account_id, g.id
    order by max(e.created_at), g.id`.execute(db);
  return rows.map(toPeriodGrant);
}

export interface FeatureBurn {
  creditType: string;
  /** null: burned without a feature. */
  feature: string | null;
  burned: bigint;
  refunded: bigint;
}

/**
 * What the account's usage burned in [from, to) per credit type and feature,
 * and what refunds in the period gave back per feature: the entries the
 * account initiated, on its own grants or a pool parent's.
 */
export async function burnByFeature(db: Database, accountId: string, from: Date, to: Date): Promise<FeatureBurn[]> {
  // A refund entry names no feature: it counts under the feature of the burn it refunds.
  const { rows } = await sql<{ credit_type: string; feature: string | null; burned: string; refunded: string }>`
    select credit_type, feature,
      coalesce(sum(amount) filter (where entry_type in ('burn', 'commit')), 0)::text as burned,
      coalesce(sum(amount) filter (where entry_type = 'refund'), 0)::text as refunded
    from (
      select e.credit_type, e.entry_type, e.amount,
        case when e.entry_type = 'refund' and e.feature is null then (
          select b.feature from ledger_transactions t join ledger_entries b on b.transaction_id = t.related_transaction_id
          where t.account_id = ${accountId} and t.id = e.transaction_id and b.feature is not null limit 1
        ) else e.feature end as feature
      from ledger_entries e
      where e.account_id = any(ledger_pool_chain(${accountId})) and e.initiator_account_id = ${accountId}
        and e.entry_type in ('burn', 'commit', 'refund') and e.created_at >= ${from} and e.created_at < ${to}
    ) x
    group by credit_type, feature
    order by credit_type, feature nulls last`.execute(db);
  return rows.map((r) => ({ creditType: r.credit_type, feature: r.feature, burned: BigInt(r.burned), refunded: BigInt(r.refunded) }));
}
