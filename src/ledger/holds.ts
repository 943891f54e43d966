import { sql } from 'kysely';
import type { Database, Tx } from '../db/database.js';
import type { CreditType, Grant, Hold, HoldStatus } from '../db/schema.js';
import { poolChain } from './accounts.js';
import type { LedgerDeps, OperationMeta } from './context.js';
import { fromUnits, getCreditType, toUnits } from './credit-types.js';
import { resolveCreditType, takeFromGrants } from './deduct.js';
import { ConflictError, InsufficientCreditsError, NotFoundError, ValidationError } from '../errors.js';
import { settleDebt, spendableFunds } from './grants.js';
import { newId } from './ids.js';
import { runLedgerOperation } from './ledger-transaction.js';
import { lockBalances, lockHold } from './locks.js';
import { Posting } from './posting.js';

export interface HoldInput {
  accountId: string;
  creditType: string;
  amount: string;
  /** Seconds until the sweeper releases the hold; null: no TTL (a workflow owns the hold's lifetime). */
  ttlSeconds?: number | null | undefined;
  feature?: string | undefined;
  /** Who owns the hold, e.g. a consumption workflow id. */
  ownerRef?: string | undefined;
}

export interface HoldView {
  id: string;
  accountId: string;
  creditType: string;
  amount: string;
  status: HoldStatus;
  committedAmount: string | null;
  expiresAt: string | null;
  feature: string | null;
  ownerRef: string | null;
  transactionId: string;
  closedTransactionId: string | null;
  createdAt: string;
  closedAt: string | null;
}

export function holdView(creditType: CreditType, hold: Hold): HoldView {
  return {
    id: hold.id,
    accountId: hold.account_id,
    creditType: hold.credit_type,
    amount: fromUnits(creditType, hold.amount),
    status: hold.status,
    committedAmount: hold.committed_amount === null ? null : fromUnits(creditType, hold.committed_amount),
    expiresAt: hold.expires_at?.toISOString() ?? null,
    feature: hold.feature,
    ownerRef: hold.owner_ref,
    transactionId: hold.transaction_id,
    closedTransactionId: hold.closed_transaction_id,
    createdAt: hold.created_at.toISOString(),
    closedAt: hold.closed_at?.toISOString() ?? null,
  };
}

/**
 * Reserve (R-C2): moves credits from grants into a hold, in burn order. Holds
 * never use the overdraft: a hold promises credits that exist.
 */
export async function createHold(deps: LedgerDeps, input: HoldInput, meta: OperationMeta): Promise<HoldView> {
  const creditType = await resolveCreditType(deps, input.creditType);
  const amount = toUnits(creditType, input.amount, 'amount');
  const ttl = input.ttlSeconds === undefined ? deps.holdDefaultTtlSeconds : input.ttlSeconds;
  if (ttl !== null && (!Number.isInteger(ttl) || ttl <= 0 || ttl > deps.holdMaxTtlSeconds)) {
    throw new ValidationError('Invalid TTL', [
      { path: 'ttlSeconds', message: `must be a whole number of seconds from 1 to ${deps.holdMaxTtlSeconds}` },
    ]);
  }

  return runLedgerOperation(
    deps,
    { accountId: input.accountId, kind: 'hold', creditType: creditType.id, meta, request: input },
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
      const available = funds - own.debt;
      if (amount > available) {
        // `available` is reported as it is (negative while an overdraft is used), as deduct does.
        throw new InsufficientCreditsError(
          input.accountId,
          creditType.id,
          fromUnits(creditType, available),
          fromUnits(creditType, amount),
          fromUnits(creditType, amount - available),
        );
      }
      const holdId = newId('hold');
      const hold = await tx
        .insertInto('holds')
        .values({
          account_id: input.accountId,
          id: holdId,
          credit_type: creditType.id,
          amount,
          expires_at: ttl === null ? null : new Date(now.getTime() + ttl * 1000),
          feature: input.feature ?? meta.feature ?? null,
          owner_ref: input.ownerRef ?? null,
          transaction_id: transactionId,
          created_by: meta.actor,
          created_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const allocations: { grant: Grant; take: bigint }[] = [];
      await takeFromGrants(posting, tx, chainIds, creditType.id, amount, 'hold', {
        onTake: (grant, take) => allocations.push({ grant, take }),
        holdId,
        firstPage,
      });
      await tx
        .insertInto('hold_allocations')
        .values(
          allocations.map(({ grant, take }) => ({
            account_id: input.accountId,
            hold_id: holdId,
            grant_account_id: grant.account_id,
            grant_id: grant.id,
            amount: take,
          })),
        )
        .execute();
      await posting.flush();
      return holdView(creditType, hold);
    },
  );
}

export async function findHold(db: Database | Tx, holdId: string): Promise<Hold> {
  const hold = await db.selectFrom('holds').selectAll().where('id', '=', holdId).executeTakeFirst();
  if (!hold) throw new NotFoundError('hold', holdId);
  return hold;
}

export async function getHold(db: Database, holdId: string): Promise<HoldView> {
  const hold = await findHold(db, holdId);
  return holdView(await getCreditType(db, hold.credit_type), hold);
}

/** A grant that can take credits back: active and not past its expiry. */
function grantIsLive(grant: Grant, now: Date): boolean {
  return grant.status === 'active' && (grant.expires_at === null || grant.expires_at > now);
}

/**
 * Closes a hold: burns `commitAmount` of it and releases the rest.
 *
 * The rule for holds on grants that expire or are voided while held
 * (docs/ledger-design.md): the hold keeps its credits until it is committed or
 * released. What is committed burns normally. What is released goes back to a
 * grant that is no longer live and is at once expired (or voided) by a further
 * entry, so it is never spendable again.
 */
async function closeHold(
  deps: LedgerDeps,
  holdId: string,
  /** For a commit: the amount to burn, undefined for all of it. Ignored otherwise. */
  commitAmount: string | undefined,
  closeAs: Exclude<HoldStatus, 'active'>,
  meta: OperationMeta,
): Promise<HoldView> {
  const found = await findHold(deps.db, holdId);
  const creditType = await getCreditType(deps.db, found.credit_type);
  const kind = closeAs === 'committed' ? 'commit' : 'release';
  return runLedgerOperation(
    deps,
    { accountId: found.account_id, kind, creditType: creditType.id, meta, request: { holdId, commitAmount } },
    async ({ tx, transactionId, now }) => {
      const allocations = await tx
        .selectFrom('hold_allocations')
        .innerJoin('grants', (join) =>
          join.onRef('grants.account_id', '=', 'hold_allocations.grant_account_id').onRef('grants.id', '=', 'hold_allocations.grant_id'),
        )
        .select(['hold_allocations.amount as allocated', 'grants.account_id', 'grants.id'])
        .where('hold_allocations.account_id', '=', found.account_id)
        .where('hold_allocations.hold_id', '=', holdId)
        .execute();
      const accounts = new Set([found.account_id, ...allocations.map((a) => a.account_id)]);
      const balances = await lockBalances(
        tx,
        [...accounts].map((accountId) => ({ accountId, creditType: creditType.id })),
      );
      const hold = (await lockHold(tx, found.account_id, holdId))!;
      if (hold.status !== 'active') {
        throw new ConflictError('hold_not_active', `Hold ${holdId} is already ${hold.status}`, { status: hold.status });
      }
      if (closeAs === 'committed' && hold.expires_at !== null && hold.expires_at <= now) {
        throw new ConflictError(
          'hold_expired',
          `Hold ${holdId} expired at ${hold.expires_at.toISOString()} and can no longer be committed`,
          {
            expiresAt: hold.expires_at.toISOString(),
          },
        );
      }
      let toCommit =
        closeAs !== 'committed'
          ? 0n
          : commitAmount === undefined
            ? hold.amount
            : toUnits(creditType, commitAmount, 'amount', { allowZero: true });
      if (toCommit > hold.amount) {
        throw new ConflictError(
          'commit_exceeds_hold',
          `Cannot commit ${fromUnits(creditType, toCommit)}: hold ${holdId} holds ${fromUnits(creditType, hold.amount)}`,
          { held: fromUnits(creditType, hold.amount) },
        );
      }
      const committed = toCommit;

      // Fresh grant rows, read under the locks, in burn order.
      const grants = await tx
        .selectFrom('grants')
        .selectAll()
        .where((eb) => eb.or(allocations.map((a) => eb.and([eb('account_id', '=', a.account_id), eb('id', '=', a.id)]))))
        .orderBy('priority')
        .orderBy(sql`expires_at asc nulls last`)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      const allocated = new Map(allocations.map((a) => [`${a.account_id}/${a.id}`, a.allocated]));
      const posting = new Posting(tx, balances, {
        transactionId,
        initiatorAccountId: hold.account_id,
        now,
        ...meta,
        feature: meta.feature ?? hold.feature,
      });
      for (const grant of grants) {
        const held = allocated.get(`${grant.account_id}/${grant.id}`)!;
        const commit = toCommit < held ? toCommit : held;
        const release = held - commit;
        toCommit -= commit;
        if (commit > 0n) posting.post('commit', grant.account_id, creditType.id, commit, { grant, holdId });
        if (release > 0n) {
          posting.post('release', grant.account_id, creditType.id, release, { grant, holdId });
          if (!grantIsLive(grant, now)) {
            // Everything the grant now has is past its life: what came back and
            // any remainder its expiry timer has not reached yet.
            const closing = grant.status === 'voided' ? 'void' : 'expiry';
            posting.post(closing, grant.account_id, creditType.id, grant.remaining, { grant, holdId });
            if (grant.status === 'active') posting.closeGrant(grant, 'expired');
          }
        }
      }
      await posting.flush();
      const closed = await tx
        .updateTable('holds')
        .set({ status: closeAs, committed_amount: committed, closed_transaction_id: transactionId, closed_at: now })
        .where('account_id', '=', hold.account_id)
        .where('id', '=', holdId)
        .returningAll()
        .executeTakeFirstOrThrow();
      return holdView(creditType, closed);
    },
  );
}

/** Commit (R-C2): burn the actual amount, at most what was held; the rest is released. */
export function commitHold(deps: LedgerDeps, holdId: string, amount: string | undefined, meta: OperationMeta) {
  return closeHold(deps, holdId, amount, 'committed', meta);
}

export function releaseHold(deps: LedgerDeps, holdId: string, meta: OperationMeta) {
  return closeHold(deps, holdId, undefined, 'released', meta);
}

/**
 * Releases active holds past their TTL (run by a Temporal Schedule). Each hold
 * is its own transaction; one that was committed or released meanwhile is
 * skipped. Returns how many were released.
 */
export async function sweepExpiredHolds(deps: LedgerDeps, limit: number, actor = 'system:hold-sweeper'): Promise<number> {
  const due = await deps.db
    .selectFrom('holds')
    .select('id')
    .where('status', '=', 'active')
    .where('expires_at', '<=', deps.clock())
    .orderBy('expires_at')
    .limit(limit)
    .execute();
  let released = 0;
  for (const { id } of due) {
    try {
      await closeHold(deps, id, undefined, 'expired', { actor, reason: 'hold TTL elapsed' });
      released++;
    } catch (error) {
      if (!(error instanceof ConflictError && error.code === 'hold_not_active')) throw error;
    }
  }
  return released;
}
