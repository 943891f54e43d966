import { sql } from 'kysely';
import type { Tx } from '../db/database.js';
import type { CreditType, Grant } from '../db/schema.js';
import { poolChain } from './accounts.js';
import type { LedgerDeps, OperationMeta } from './context.js';
import { fromUnits, getCreditType, toUnits } from './credit-types.js';
import { InsufficientCreditsError, ValidationError } from '../errors.js';
import { settleDebt, spendableAt, spendableFunds, spendableGrants } from './grants.js';
import { runLedgerOperation } from './ledger-transaction.js';
import { lockBalances } from './locks.js';
import { Posting } from './posting.js';

export interface DeductInput {
  accountId: string;
  creditType: string;
  amount: string;
  /** Burn what is there when it is less than asked (R-L10); default all-or-nothing. */
  allowPartial?: boolean | undefined;
  metadata?: Record<string, string> | undefined;
}

export interface DeductResult {
  transactionId: string;
  accountId: string;
  creditType: string;
  requested: string;
  deducted: string;
  /** What the account (with its pool) can still spend, after this deduct. */
  balance: { available: string; overdraftUsed: string };
}

/** Σ remaining of the spendable grants of the given accounts at `now`. */
export async function spendableTotal(tx: Tx, accountIds: readonly string[], creditType: string, now: Date): Promise<bigint> {
  const row = await tx
    .selectFrom('grants')
    .select(sql<bigint>`coalesce(sum(remaining), 0)::int8`.as('total'))
    .where(spendableAt(accountIds, creditType, now))
    .executeTakeFirstOrThrow();
  return row.total;
}

export async function resolveCreditType(deps: LedgerDeps, id: string): Promise<CreditType> {
  return getCreditType(deps.db, id).catch(() => {
    throw new ValidationError('Unknown credit type', [{ path: 'creditType', message: `credit type ${id} does not exist` }]);
  });
}

export interface TakeOptions {
  /** Called for each grant drawn on, with what was taken from it. */
  onTake?: (grant: Grant, take: bigint) => void;
  holdId?: string;
  /** The first page of spendable grants, when the caller read it with the total (spendableFunds). */
  firstPage?: readonly Grant[];
}

/**
 * Takes `amount` from the spendable grants of the pool chain in burn order and
 * posts one entry of `type` per grant touched. Returns what it took.
 */
export async function takeFromGrants(
  posting: Posting,
  tx: Tx,
  chainIds: readonly string[],
  creditType: string,
  amount: bigint,
  type: 'burn' | 'hold',
  options: TakeOptions = {},
): Promise<bigint> {
  let left = amount;
  for await (const grant of spendableGrants(tx, chainIds, creditType, posting.context.now, options.firstPage)) {
    if (left === 0n) break;
    const take = grant.remaining < left ? grant.remaining : left;
    posting.post(type, grant.account_id, creditType, take, { grant, ...(options.holdId && { holdId: options.holdId }) });
    options.onTake?.(grant, take);
    left -= take;
  }
  return amount - left;
}

/**
 * Synchronous deduct (R-C1): validate, burn in burn order, confirm, in one
 * transaction under the balance locks of the account and its pool parents.
 * Beyond the grants it may run into the account's overdraft limit; past that,
 * all-or-nothing gives 402, allowPartial burns what can be burned.
 */
export async function deduct(deps: LedgerDeps, input: DeductInput, meta: OperationMeta): Promise<DeductResult> {
  const creditType = await resolveCreditType(deps, input.creditType);
  const requested = toUnits(creditType, input.amount, 'amount');

  return runLedgerOperation(
    deps,
    { accountId: input.accountId, kind: 'deduct', creditType: creditType.id, meta, request: input },
    async ({ tx, transactionId, now }) => {
      const chainIds = (await poolChain(tx, input.accountId)).map((a) => a.id);
      const balances = await lockBalances(
        tx,
        chainIds.map((accountId) => ({ accountId, creditType: creditType.id })),
      );
      const posting = new Posting(tx, balances, { transactionId, initiatorAccountId: input.accountId, now, ...meta });
      await settleDebt(posting, tx, input.accountId, creditType.id);
      await posting.flush();

      const own = posting.balanceOf(input.accountId, creditType.id);
      const { total: funds, firstPage } = await spendableFunds(tx, chainIds, creditType.id, now);
      const headroom = own.overdraft_limit > own.debt ? own.overdraft_limit - own.debt : 0n;
      const burnable = funds + headroom;
      if (requested > burnable && (!input.allowPartial || burnable === 0n)) {
        throw new InsufficientCreditsError(
          input.accountId,
          creditType.id,
          fromUnits(creditType, funds - own.debt),
          fromUnits(creditType, requested),
          fromUnits(creditType, requested - burnable),
        );
      }
      const toBurn = requested < burnable ? requested : burnable;
      const fromGrants = await takeFromGrants(posting, tx, chainIds, creditType.id, toBurn, 'burn', { firstPage });
      if (fromGrants < toBurn) {
        posting.post('burn', input.accountId, creditType.id, toBurn - fromGrants, { metadata: { overdraft: 'true' } });
      }
      await posting.flush();
      return {
        transactionId,
        accountId: input.accountId,
        creditType: creditType.id,
        requested: fromUnits(creditType, requested),
        deducted: fromUnits(creditType, toBurn),
        balance: {
          available: fromUnits(creditType, funds - fromGrants - own.debt),
          overdraftUsed: fromUnits(creditType, own.debt),
        },
      };
    },
  );
}
