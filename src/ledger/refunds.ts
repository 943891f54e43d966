import { sql } from 'kysely';
import type { Grant } from '../db/schema.js';
import type { LedgerDeps, OperationMeta } from './context.js';
import { fromUnits, getCreditType, toUnits } from './credit-types.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { defaultPriority } from './grants.js';
import { newId } from './ids.js';
import { runLedgerOperation } from './ledger-transaction.js';
import { lockBalances } from './locks.js';
import { Posting } from './posting.js';

export interface RefundInput {
  accountId: string;
  transactionId: string;
  /** Default: everything of that burn not refunded yet. */
  amount?: string | undefined;
}

export interface RefundResult {
  transactionId: string;
  refundOf: string;
  accountId: string;
  creditType: string;
  refunded: string;
  /** Still refundable of the original burn after this refund. */
  remainingRefundable: string;
}

const REFUNDABLE_KINDS = ['deduct', 'commit'];

/**
 * Refund (R-G8): returns credits of a burn, or part of it, to the grants they
 * came from, newest burn entry first. Where that grant has expired or been
 * voided, the credits go to a new refund grant instead, so nothing returns
 * into a dead grant. Never more than was burned, across all refunds of it.
 */
export async function refundBurn(deps: LedgerDeps, input: RefundInput, meta: OperationMeta): Promise<RefundResult> {
  const original = await deps.db
    .selectFrom('ledger_transactions')
    .selectAll()
    .where('account_id', '=', input.accountId)
    .where('id', '=', input.transactionId)
    .executeTakeFirst();
  if (!original || !REFUNDABLE_KINDS.includes(original.kind)) {
    throw new NotFoundError('burn transaction', input.transactionId);
  }
  const creditType = await getCreditType(deps.db, original.credit_type);
  const wanted = input.amount === undefined ? undefined : toUnits(creditType, input.amount, 'amount');

  return runLedgerOperation(
    deps,
    {
      accountId: input.accountId,
      kind: 'refund',
      creditType: creditType.id,
      meta,
      request: input,
      relatedTransactionId: input.transactionId,
    },
    async ({ tx, transactionId, now }) => {
      const burns = await tx
        .selectFrom('ledger_entries')
        .select(['account_id', 'grant_id', 'amount', 'id'])
        .where('transaction_id', '=', input.transactionId)
        .where('entry_type', 'in', ['burn', 'commit'])
        .orderBy('id', 'desc')
        .execute();
      const accounts = new Set([input.accountId, ...burns.map((b) => b.account_id)]);
      const balances = await lockBalances(
        tx,
        [...accounts].map((accountId) => ({ accountId, creditType: creditType.id })),
      );

      // What earlier refunds of this burn already returned, per source grant.
      const earlier = await tx
        .selectFrom('ledger_entries')
        .innerJoin('ledger_transactions', (join) =>
          join
            .onRef('ledger_transactions.account_id', '=', 'ledger_entries.account_id')
            .onRef('ledger_transactions.id', '=', 'ledger_entries.transaction_id'),
        )
        .select([
          sql<string>`ledger_entries.metadata->>'source_grant'`.as('source'),
          sql<bigint>`sum(ledger_entries.amount)::int8`.as('amount'),
        ])
        .where('ledger_transactions.account_id', 'in', [...accounts])
        .where('ledger_transactions.related_transaction_id', '=', input.transactionId)
        .where('ledger_entries.entry_type', '=', 'refund')
        .groupBy(sql`ledger_entries.metadata->>'source_grant'`)
        .execute();
      const alreadyBySource = new Map(earlier.map((e) => [e.source, e.amount]));
      const sourceKey = (b: { account_id: string; grant_id: string | null }) => `${b.account_id}/${b.grant_id ?? 'overdraft'}`;

      const refundable = burns.map((b) => {
        const key = sourceKey(b);
        const already = alreadyBySource.get(key) ?? 0n;
        const usable = b.amount < already ? 0n : b.amount - already;
        alreadyBySource.set(key, already - (b.amount - usable));
        return { ...b, key, usable };
      });
      const totalRefundable = refundable.reduce((sum, b) => sum + b.usable, 0n);
      const amount = wanted ?? totalRefundable;
      if (amount === 0n) {
        throw new ConflictError('nothing_to_refund', `Burn ${input.transactionId} has been refunded in full`);
      }
      if (amount > totalRefundable) {
        throw new ConflictError(
          'refund_exceeds_burn',
          `Cannot refund ${fromUnits(creditType, amount)}: only ${fromUnits(creditType, totalRefundable)} of burn ${input.transactionId} is left to refund`,
          { refundable: fromUnits(creditType, totalRefundable) },
        );
      }

      const grantIds = refundable.filter((b) => b.grant_id !== null).map((b) => ({ a: b.account_id, g: b.grant_id! }));
      const grants = grantIds.length
        ? await tx
            .selectFrom('grants')
            .selectAll()
            .where((eb) => eb.or(grantIds.map(({ a, g }) => eb.and([eb('account_id', '=', a), eb('id', '=', g)]))))
            .execute()
        : [];
      const grantByKey = new Map<string, Grant>(grants.map((g) => [`${g.account_id}/${g.id}`, g]));
      const posting = new Posting(tx, balances, { transactionId, initiatorAccountId: input.accountId, now, ...meta });

      let left = amount;
      for (const burn of refundable) {
        if (left === 0n) break;
        const portion = burn.usable < left ? burn.usable : left;
        if (portion === 0n) continue;
        left -= portion;
        const metadata = { refund_of: input.transactionId, source_grant: burn.key };
        const grant = grantByKey.get(burn.key);
        const row = posting.balanceOf(burn.account_id, creditType.id);
        if (grant && grant.status === 'active' && (grant.expires_at === null || grant.expires_at > now)) {
          posting.post('refund', burn.account_id, creditType.id, portion, { grant, metadata });
          continue;
        }
        let toNewGrant = portion;
        if (!grant && row.debt > 0n) {
          // An overdraft burn refunded: pay back the debt it created first.
          const payDebt = row.debt < portion ? row.debt : portion;
          posting.post('refund', burn.account_id, creditType.id, payDebt, { metadata });
          toNewGrant -= payDebt;
        }
        if (toNewGrant > 0n) {
          const refundGrant = await tx
            .insertInto('grants')
            .values({
              account_id: burn.account_id,
              id: newId('grant'),
              credit_type: creditType.id,
              amount: toNewGrant,
              remaining: 0n,
              source: 'refund',
              priority: grant?.priority ?? defaultPriority.refund,
              effective_at: now,
              expires_at: null,
              reason_code: 'refund',
              reason: meta.reason ?? null,
              issued_by: meta.actor,
              cost_basis_minor: null,
              cost_basis_currency: null,
              pricing_version: grant?.pricing_version ?? null,
              external_ref: null,
              transaction_id: transactionId,
              metadata: JSON.stringify(metadata),
              created_at: now,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          posting.post('refund', burn.account_id, creditType.id, toNewGrant, { grant: refundGrant, metadata });
        }
      }
      await posting.flush();
      return {
        transactionId,
        refundOf: input.transactionId,
        accountId: input.accountId,
        creditType: creditType.id,
        refunded: fromUnits(creditType, amount),
        remainingRefundable: fromUnits(creditType, totalRefundable - amount),
      };
    },
  );
}
