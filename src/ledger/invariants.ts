import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { LedgerEntry } from '../db/schema.js';
import { canonicalJson as canonical, entryHash } from './entry-hash.js';

/**
 * The money invariants, checked against the database as it is. Every test
 * suite runs this after each test, and the nightly reconciliation runs it too.
 *
 * Per account and credit type:
 *   I1  granted − voided = (burned − refunded) + expired + balance + held
 *   I2  every stored total equals the sum of its entries
 *       (granted = Σgrant, burned = Σburn + Σcommit, refunded = Σrefund,
 *        expired = Σexpiry, voided = Σvoid)
 *   I3  balance = Σ grant.remaining − debt, and the newest entry's
 *       balance_after and held_after equal the stored balance and held
 *   I4  held = Σ allocations of active holds drawing on the account's grants
 *   I5  debt never exceeds the overdraft limit at the time it was taken
 *       (checked as debt ≥ 0 here; the limit may be lowered later)
 * Per grant:
 *   I6  remaining = Σ of its entries' effects, and 0 ≤ remaining ≤ amount
 * Per chain:
 *   I7  the hash chain verifies and seq has no gaps
 * Per burn (a deduct or a commit):
 *   I8  Σ refund entries of its refunds ≤ Σ its burn and commit entries,
 *       whichever accounts of a pool the entries are on
 */
export interface InvariantViolation {
  invariant: string;
  accountId: string;
  creditType?: string;
  grantId?: string;
  detail: string;
}

export async function checkLedgerInvariants(
  db: Database,
  options: { accountIds?: string[]; verifyHashes?: boolean } = {},
): Promise<InvariantViolation[]> {
  const violations: InvariantViolation[] = [];
  const scope = options.accountIds;
  const accountFilter = scope ? sql`and b.account_id = any(${scope}::text[])` : sql``;

  const totals = await sql<{
    account_id: string;
    credit_type: string;
    balance: bigint;
    held: bigint;
    debt: bigint;
    granted: bigint;
    burned: bigint;
    refunded: bigint;
    expired: bigint;
    voided: bigint;
    e_granted: bigint;
    e_burned: bigint;
    e_refunded: bigint;
    e_expired: bigint;
    e_voided: bigint;
    grant_remaining: bigint;
    last_balance_after: bigint | null;
    last_held_after: bigint | null;
    allocated: bigint;
  }>`
    select b.account_id, b.credit_type, b.balance, b.held, b.debt, b.granted, b.burned, b.refunded, b.expired, b.voided,
      coalesce(e.granted, 0)::int8 as e_granted, coalesce(e.burned, 0)::int8 as e_burned,
      coalesce(e.refunded, 0)::int8 as e_refunded, coalesce(e.expired, 0)::int8 as e_expired,
      coalesce(e.voided, 0)::int8 as e_voided,
      coalesce((select sum(g.remaining) from grants g where g.account_id = b.account_id and g.credit_type = b.credit_type), 0)::int8 as grant_remaining,
      last.balance_after as last_balance_after, last.held_after as last_held_after,
      coalesce((select sum(ha.amount) from hold_allocations ha join holds h on h.account_id = ha.account_id and h.id = ha.hold_id
                where ha.grant_account_id = b.account_id and h.credit_type = b.credit_type and h.status = 'active'), 0)::int8 as allocated
    from balances b
    left join lateral (
      select sum(amount) filter (where entry_type = 'grant') as granted,
             sum(amount) filter (where entry_type in ('burn', 'commit')) as burned,
             sum(amount) filter (where entry_type = 'refund') as refunded,
             sum(amount) filter (where entry_type = 'expiry') as expired,
             sum(amount) filter (where entry_type = 'void') as voided
      from ledger_entries le where le.account_id = b.account_id and le.credit_type = b.credit_type
    ) e on true
    left join lateral (
      select balance_after, held_after from ledger_entries le
      where le.account_id = b.account_id and le.credit_type = b.credit_type order by seq desc limit 1
    ) last on true
    where true ${accountFilter}`.execute(db);

  for (const t of totals.rows) {
    const where = { accountId: t.account_id, creditType: t.credit_type };
    const lhs = t.granted - t.voided;
    const rhs = t.burned - t.refunded + t.expired + t.balance + t.held;
    if (lhs !== rhs) {
      violations.push({
        invariant: 'I1',
        ...where,
        detail: `granted − voided = ${lhs} but (burned − refunded) + expired + balance + held = ${rhs}`,
      });
    }
    for (const [name, stored, summed] of [
      ['granted', t.granted, t.e_granted],
      ['burned', t.burned, t.e_burned],
      ['refunded', t.refunded, t.e_refunded],
      ['expired', t.expired, t.e_expired],
      ['voided', t.voided, t.e_voided],
    ] as const) {
      if (stored !== summed) violations.push({ invariant: 'I2', ...where, detail: `stored ${name} ${stored} ≠ Σ entries ${summed}` });
    }
    if (t.balance !== t.grant_remaining - t.debt) {
      violations.push({ invariant: 'I3', ...where, detail: `balance ${t.balance} ≠ Σ remaining ${t.grant_remaining} − debt ${t.debt}` });
    }
    if (t.last_balance_after !== null && (t.last_balance_after !== t.balance || t.last_held_after !== t.held)) {
      violations.push({
        invariant: 'I3',
        ...where,
        detail: `newest entry says balance ${t.last_balance_after} held ${t.last_held_after}; row says ${t.balance} / ${t.held}`,
      });
    }
    if (t.held !== t.allocated) {
      violations.push({ invariant: 'I4', ...where, detail: `held ${t.held} ≠ Σ active hold allocations ${t.allocated}` });
    }
    if (t.debt < 0n || t.held < 0n) violations.push({ invariant: 'I5', ...where, detail: `debt ${t.debt}, held ${t.held}` });
  }

  const grantFilter = scope ? sql`and g.account_id = any(${scope}::text[])` : sql``;
  const grants = await sql<{ account_id: string; id: string; remaining: bigint; amount: bigint; summed: bigint }>`
    select g.account_id, g.id, g.remaining, g.amount, coalesce(s.summed, 0)::int8 as summed
    from grants g
    left join lateral (
      select sum(case when entry_type in ('grant', 'release', 'refund') then amount
                      when entry_type in ('burn', 'settle', 'hold', 'expiry', 'void') then -amount
                      else 0 end) as summed
      from ledger_entries le where le.account_id = g.account_id and le.grant_id = g.id
    ) s on true
    where true ${grantFilter}`.execute(db);
  for (const g of grants.rows) {
    if (g.remaining !== g.summed || g.remaining < 0n || g.remaining > g.amount) {
      violations.push({
        invariant: 'I6',
        accountId: g.account_id,
        grantId: g.id,
        detail: `remaining ${g.remaining} (of ${g.amount}) ≠ Σ entries ${g.summed}`,
      });
    }
  }

  const refundFilter = scope ? sql`and t.account_id = any(${scope}::text[])` : sql``;
  const refunds = await sql<{ account_id: string; burn_id: string; burned: bigint; refunded: bigint }>`
    select t.account_id, t.related_transaction_id as burn_id,
      coalesce((select sum(e.amount) from ledger_entries e
                where e.transaction_id = t.related_transaction_id and e.entry_type in ('burn', 'commit')), 0)::int8 as burned,
      coalesce(sum((select sum(e.amount) from ledger_entries e where e.transaction_id = t.id and e.entry_type = 'refund')), 0)::int8 as refunded
    from ledger_transactions t
    where t.kind = 'refund' ${refundFilter}
    group by t.account_id, t.related_transaction_id`.execute(db);
  for (const r of refunds.rows) {
    if (r.refunded > r.burned) {
      violations.push({
        invariant: 'I8',
        accountId: r.account_id,
        detail: `burn ${r.burn_id}: refunded ${r.refunded} > burned ${r.burned}`,
      });
    }
  }

  if (options.verifyHashes !== false) {
    const chains = await sql<{ account_id: string; credit_type: string }>`
      select account_id, credit_type from balances b where true ${accountFilter}`.execute(db);
    for (const chain of chains.rows) {
      const broken = await verifyChain(db, chain.account_id, chain.credit_type);
      if (broken) violations.push({ invariant: 'I7', accountId: chain.account_id, creditType: chain.credit_type, detail: broken });
    }
  }
  return violations;
}

/** Walks one chain in seq order; returns a description of the first broken entry, or null. */
export async function verifyChain(db: Database, accountId: string, creditType: string): Promise<string | null> {
  let prev: Buffer | null = null;
  let expectedSeq = 1n;
  const pageSize = 5000;
  for (let after = 0n; ;) {
    const rows: LedgerEntry[] = await db
      .selectFrom('ledger_entries')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('credit_type', '=', creditType)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(pageSize)
      .execute();
    for (const e of rows) {
      if (e.seq !== expectedSeq) return `entry ${e.id}: seq ${e.seq}, expected ${expectedSeq}`;
      const recomputed = entryHash(prev, { ...e, metadata: canonical(e.metadata) });
      if ((e.prev_hash === null) !== (prev === null) || (prev && e.prev_hash && !prev.equals(e.prev_hash))) {
        return `entry ${e.id} (seq ${e.seq}): prev_hash does not match the entry before it`;
      }
      if (!recomputed.equals(e.hash)) return `entry ${e.id} (seq ${e.seq}): hash does not match its contents`;
      prev = e.hash;
      expectedSeq++;
      after = e.seq;
    }
    if (rows.length < pageSize) return null;
  }
}
