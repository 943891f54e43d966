import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import { NotFoundError } from '../errors.js';
import { summarizeBalance, type AccountBalance, type CreditTypeBalance, type GrantState } from './balances.js';
import { getCreditType } from './credit-types.js';

type Totals = Record<'granted' | 'burned' | 'refunded' | 'expired' | 'voided', bigint>;

/** Which lifetime total an entry type adds to (the posting table, docs/ledger-design.md). */
const totalOf: Record<string, keyof Totals | undefined> = {
  grant: 'granted',
  burn: 'burned',
  commit: 'burned',
  refund: 'refunded',
  expiry: 'expired',
  void: 'voided',
};

interface ChainAt {
  credit_type: string;
  /** The chain's newest entry at or before the instant; null when it had none yet. */
  seq: bigint | null;
  balance_after: bigint | null;
  /** The chain today: its length and totals, from which the totals at the instant follow. */
  entry_seq: bigint;
  overdraft_limit: bigint;
  granted: bigint;
  burned: bigint;
  refunded: bigint;
  expired: bigint;
  voided: bigint;
}

/**
 * The lifetime totals of one chain up to its entry `seq`: summed over the
 * shorter side of the chain (the entries up to `seq`, or today's totals less
 * the entries after it), so a recent instant of a long history stays cheap.
 */
async function totalsAt(db: Database, accountId: string, chain: ChainAt & { seq: bigint }): Promise<Totals> {
  const fromStart = chain.seq <= chain.entry_seq - chain.seq;
  const { rows } = await sql<{ entry_type: string; amount: string }>`
    select entry_type, sum(amount)::text as amount from ledger_entries
    where account_id = ${accountId} and credit_type = ${chain.credit_type}
      and ${fromStart ? sql`seq <= ${chain.seq}` : sql`seq > ${chain.seq}`}
    group by entry_type`.execute(db);
  const totals: Totals = fromStart
    ? { granted: 0n, burned: 0n, refunded: 0n, expired: 0n, voided: 0n }
    : { granted: chain.granted, burned: chain.burned, refunded: chain.refunded, expired: chain.expired, voided: chain.voided };
  for (const row of rows) {
    const total = totalOf[row.entry_type];
    if (total) totals[total] += fromStart ? BigInt(row.amount) : -BigInt(row.amount);
  }
  return totals;
}

/**
 * R-L6: the balance as it was at `at`, rebuilt from the entries, in the
 * shape and with the meaning of getBalances: each entry records its chain's
 * balance after it and its grant's remaining after it, so the state at `at`
 * is the last entry at or before it, one index probe per credit type and one
 * per grant of the account and its pool parents (O((T + G) log N)). Held is
 * what the account's holds open at `at` reserved; debt follows from I3
 * (balance = Σ remaining − debt); the lifetime totals are those of the
 * entries up to `at`. Two things are taken as they are today, since the
 * ledger keeps no history of them: the pool membership and the overdraft limit.
 */
export async function getBalancesAt(db: Database, accountId: string, at: Date): Promise<AccountBalance> {
  const head = await sql<{ chain: string[] | null }>`select ledger_pool_chain(${accountId}) as chain`.execute(db);
  const poolChain = head.rows[0]?.chain ?? null;
  if (poolChain === null) throw new NotFoundError('account', accountId);
  const chains = await sql<ChainAt>`
    select b.credit_type, e.seq, e.balance_after, b.entry_seq, b.overdraft_limit,
           b.granted, b.burned, b.refunded, b.expired, b.voided
    from balances b
    left join lateral (
      select seq, balance_after from ledger_entries
      where account_id = b.account_id and credit_type = b.credit_type and created_at <= ${at}
      order by created_at desc, id desc limit 1
    ) e on true
    -- A chain without entries yet is shown for its overdraft limit, as getBalances shows it.
    where b.account_id = ${accountId} and (e.seq is not null or b.overdraft_limit > 0)
    order by b.credit_type`.execute(db);
  // Every grant of the pool that existed at `at`, with what it had left then.
  const grants = await sql<GrantState>`
    select g.id, g.account_id, g.credit_type, g.source, g.priority, e.grant_remaining_after as remaining,
           g.effective_at, g.expires_at, 'active' as status
    from grants g
    cross join lateral (
      select grant_remaining_after from ledger_entries
      where account_id = g.account_id and grant_id = g.id and created_at <= ${at} and grant_remaining_after is not null
      order by id desc limit 1
    ) e
    where g.account_id = any(${poolChain}::text[])
    order by ledger_burn_key(${poolChain}::text[], g)`.execute(db);
  const holds = await sql<{ credit_type: string; held: string }>`
    select credit_type, sum(amount)::text as held from holds
    where account_id = ${accountId} and created_at <= ${at} and (closed_at is null or closed_at > ${at})
    group by credit_type`.execute(db);

  const held = new Map(holds.rows.map((h) => [h.credit_type, BigInt(h.held)]));
  const byType = new Map(chains.rows.map((c) => [c.credit_type, c]));
  const creditTypes = new Set([...byType.keys(), ...grants.rows.filter((g) => g.remaining > 0n).map((g) => g.credit_type)]);
  const balances: CreditTypeBalance[] = [];
  for (const ct of [...creditTypes].sort()) {
    const chain = byType.get(ct);
    const ofType = grants.rows.filter((g) => g.credit_type === ct);
    const ownRemaining = ofType.filter((g) => g.account_id === accountId).reduce((sum, g) => sum + g.remaining, 0n);
    balances.push(
      summarizeBalance(
        await getCreditType(db, ct),
        accountId,
        ofType,
        {
          held: held.get(ct) ?? 0n,
          debt: chain?.balance_after == null ? 0n : ownRemaining - chain.balance_after,
          overdraftLimit: chain?.overdraft_limit ?? 0n,
          lifetime: chain?.seq == null ? {} : await totalsAt(db, accountId, { ...chain, seq: chain.seq }),
        },
        at,
      ),
    );
  }
  return { accountId, at: at.toISOString(), pointInTime: true, balances };
}
