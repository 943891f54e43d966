import { getBalances } from '../../src/ledger/index.js';
import type { LedgerFixture } from './ledger.js';

/** Concurrency tests' probes: what settled calls returned, and what the ledger holds for an account. */

export const fulfilled = <T>(results: PromiseSettledResult<T>[]) =>
  results.filter((r): r is PromiseFulfilledResult<T> => r.status === 'fulfilled').map((r) => r.value);
export const rejected = (results: PromiseSettledResult<unknown>[]) =>
  results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);

/** Reads of one fixture's ledger. */
export function ledgerProbes(f: LedgerFixture) {
  async function balanceOf(accountId: string, creditType = 'storage') {
    const b = await getBalances(f.deps.db, accountId, f.clock.now());
    return b.balances.find((x) => x.creditType === creditType);
  }

  /** The stored row, and the lowest balance / held any entry ever recorded: "never below" is about the whole history. */
  async function ledgerState(accountId: string, creditType = 'storage') {
    const row = await f.deps.db
      .selectFrom('balances')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('credit_type', '=', creditType)
      .executeTakeFirstOrThrow();
    const low = await f.deps.db
      .selectFrom('ledger_entries')
      .select((eb) => [eb.fn.min('balance_after').as('minBalance'), eb.fn.min('held_after').as('minHeld')])
      .where('account_id', '=', accountId)
      .where('credit_type', '=', creditType)
      .executeTakeFirstOrThrow();
    return { row, minBalance: BigInt(low.minBalance), minHeld: BigInt(low.minHeld) };
  }
  return { balanceOf, ledgerState };
}
