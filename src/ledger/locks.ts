import { sql } from 'kysely';
import type { Tx } from '../db/database.js';
import type { Balance } from '../db/schema.js';

export interface BalanceKey {
  accountId: string;
  creditType: string;
}

export const balanceKey = (accountId: string, creditType: string): string => `${accountId}\u0000${creditType}`;

/**
 * Locks the balance rows of the given (account, credit type) pairs, creating
 * missing ones, and returns them by key: for account changes made in
 * TypeScript (overdraft limits). Ledger operations lock the same rows in SQL
 * (ledger_lock_balances, which creates missing rows only once the operation
 * has decided to post: a refusal writes nothing), in the same (account,
 * credit type) order, so the two can never wait on each other. The row lock serialises writers per
 * account and credit type, which is what makes "no overdraft, no lost update"
 * hold under any concurrency.
 *
 * Demands a Transaction: a row lock outside one would be released at once.
 */
export async function lockBalances(tx: Tx, keys: readonly BalanceKey[]): Promise<Map<string, Balance>> {
  const unique = [...new Map(keys.map((k) => [balanceKey(k.accountId, k.creditType), k])).values()].sort((a, b) =>
    balanceKey(a.accountId, a.creditType) < balanceKey(b.accountId, b.creditType) ? -1 : 1,
  );
  const locked = new Map<string, Balance>();
  const fetch = async (wanted: BalanceKey[]) => {
    if (wanted.length === 0) return;
    const rows = await tx
      .selectFrom('balances')
      .selectAll()
      .where(sql<boolean>`(account_id, credit_type) in (${sql.join(wanted.map((k) => sql`(${k.accountId}, ${k.creditType})`))})`)
      .orderBy('account_id')
      .orderBy('credit_type')
      .forUpdate()
      .execute();
    for (const row of rows) locked.set(balanceKey(row.account_id, row.credit_type), row);
  };
  await fetch(unique);
  const missing = unique.filter((k) => !locked.has(balanceKey(k.accountId, k.creditType)));
  if (missing.length > 0) {
    await tx
      .insertInto('balances')
      .values(missing.map((k) => ({ account_id: k.accountId, credit_type: k.creditType })))
      .onConflict((oc) => oc.doNothing())
      .execute();
    await fetch(missing);
  }
  return locked;
}
