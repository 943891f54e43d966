import { sql, type RawBuilder } from 'kysely';

/** [credit type, Σ spendable grants of the account and its pool parents, debt, overdraft limit], int8 as text. */
export type SpendingRoomRow = [string, string, string, string];

/**
 * What an account can spend now, per credit type, as a JSON sub-select for a
 * caller's own statement (the entitlement check reads it with the account in
 * one round trip). Spendable grants are ledger_spendable_grants over the
 * account's pool chain: the one definition deducts use.
 */
export function spendingRoomSql(accountId: RawBuilder<unknown>, creditTypes: readonly string[], now: Date): RawBuilder<SpendingRoomRow[]> {
  return sql<SpendingRoomRow[]>`(select coalesce(json_agg(json_build_array(t.credit_type,
      (select coalesce(sum(s.remaining), 0) from ledger_spendable_grants(ledger_pool_chain(${accountId}), t.credit_type, ${now}) s)::text,
      coalesce(b.debt, 0)::text, coalesce(b.overdraft_limit, 0)::text)), '[]'::json)
    from unnest(${[...creditTypes]}::text[]) as t(credit_type)
    left join balances b on b.account_id = ${accountId} and b.credit_type = t.credit_type)`;
}

export interface SpendingRoom {
  /** Spendable grants less overdraft used: the balance's `available` (negative while in overdraft). */
  available: bigint;
  /** What one deduct may still burn: available plus the overdraft limit. */
  room: bigint;
}

export function spendingRoom(rows: readonly SpendingRoomRow[], creditType: string): SpendingRoom {
  const row = rows.find((r) => r[0] === creditType);
  if (!row) return { available: 0n, room: 0n };
  const available = BigInt(row[1]) - BigInt(row[2]);
  return { available, room: available + BigInt(row[3]) };
}
