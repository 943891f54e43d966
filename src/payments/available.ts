import type { Database, Tx } from '../db/database.js';
import { poolChain, spendableTotal } from '../ledger/index.js';

/**
 * What an account can spend now (live grants of its pool chain less its
 * overdraft debt), in units, as seen by `tx`: inside a ledger operation that
 * includes the operation's own, uncommitted entries.
 */
export async function availableUnits(tx: Tx | Database, accountId: string, creditType: string, now: Date): Promise<bigint> {
  const chain = (await poolChain(tx, accountId)).map((a) => a.id);
  const [spendable, row] = await Promise.all([
    spendableTotal(tx as Tx, chain, creditType, now),
    tx.selectFrom('balances').select('debt').where('account_id', '=', accountId).where('credit_type', '=', creditType).executeTakeFirst(),
  ]);
  return spendable - (row?.debt ?? 0n);
}
