import { sql, type ExpressionBuilder } from 'kysely';
import type { Database, Tx } from '../db/database.js';
import type { CreditType, DB, Grant, GrantSource } from '../db/schema.js';
import { AmountFormatError, formatMoney, parseMoney } from '../money/amount.js';
import type { LedgerDeps, OperationMeta } from './context.js';
import { fromUnits, getCreditType, toUnits } from './credit-types.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { newId } from './ids.js';
import { runLedgerOperation } from './ledger-transaction.js';
import { lockBalances } from './locks.js';
import { Posting } from './posting.js';
import { requireAccount } from './accounts.js';

/**
 * Burn order (R-L3), the documented rule: an account's own grants before its
 * pool parents'; within one account, lower priority number first, then the
 * soonest expiry (grants that never expire last), then the oldest, then id.
 * Default priorities put promotional and trial credits first and purchased
 * credits last, so free and expiring credits are used before paid ones.
 */
export const defaultPriority: Record<GrantSource, number> = {
  promo: 10,
  trial: 10,
  rollover: 20,
  plan: 30,
  support: 40,
  refund: 90,
  purchase: 100,
};

export interface GrantInput {
  accountId: string;
  creditType: string;
  amount: string;
  source: GrantSource;
  priority?: number | undefined;
  effectiveAt?: Date | undefined;
  expiresAt?: Date | null | undefined;
  reasonCode?: string | undefined;
  costBasis?: { amount: string; currency: string } | undefined;
  pricingVersion?: string | undefined;
  /** An external id that makes the grant idempotent, e.g. a Stripe PaymentIntent id. */
  externalRef?: string | undefined;
  metadata?: Record<string, string> | undefined;
}

export interface GrantView {
  id: string;
  accountId: string;
  creditType: string;
  amount: string;
  remaining: string;
  source: GrantSource;
  priority: number;
  status: string;
  effectiveAt: string;
  expiresAt: string | null;
  reasonCode: string | null;
  reason: string | null;
  issuedBy: string;
  costBasis: { amount: string; currency: string } | null;
  pricingVersion: string | null;
  externalRef: string | null;
  transactionId: string;
  metadata: Record<string, unknown>;
  createdAt: string;
}

export function grantView(creditType: CreditType, grant: Grant): GrantView {
  return {
    id: grant.id,
    accountId: grant.account_id,
    creditType: grant.credit_type,
    amount: fromUnits(creditType, grant.amount),
    remaining: fromUnits(creditType, grant.remaining),
    source: grant.source,
    priority: grant.priority,
    status: grant.status,
    effectiveAt: grant.effective_at.toISOString(),
    expiresAt: grant.expires_at?.toISOString() ?? null,
    reasonCode: grant.reason_code,
    reason: grant.reason,
    issuedBy: grant.issued_by,
    costBasis:
      grant.cost_basis_minor === null || grant.cost_basis_currency === null
        ? null
        : formatMoney(grant.cost_basis_minor, grant.cost_basis_currency),
    pricingVersion: grant.pricing_version,
    externalRef: grant.external_ref,
    transactionId: grant.transaction_id,
    metadata: grant.metadata,
    createdAt: grant.created_at.toISOString(),
  };
}

/** A grant can be spent at `now`: active, already effective, not yet expired. */
export function isSpendable(grant: Grant, now: Date): boolean {
  return (
    grant.status === 'active' && grant.remaining > 0n && grant.effective_at <= now && (grant.expires_at === null || grant.expires_at > now)
  );
}

const SPENDABLE_PAGE = 200;

/** The SQL twin of isSpendable, for the given accounts and credit type. */
export function spendableAt(accountIds: readonly string[], creditType: string, now: Date) {
  return (eb: ExpressionBuilder<DB, 'grants'>) =>
    eb.and([
      eb('account_id', 'in', accountIds),
      eb('credit_type', '=', creditType),
      eb('status', '=', 'active'),
      eb('remaining', '>', 0n),
      eb('effective_at', '<=', now),
      eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]),
    ]);
}

function spendableInBurnOrder(tx: Tx, accountIds: readonly string[], creditType: string, now: Date) {
  return tx
    .selectFrom('grants')
    .selectAll()
    .where(spendableAt(accountIds, creditType, now))
    .orderBy(sql`array_position(${sql.val(accountIds)}::text[], account_id)`)
    .orderBy('priority')
    .orderBy(sql`expires_at asc nulls last`)
    .orderBy('created_at')
    .orderBy('id')
    .limit(SPENDABLE_PAGE);
}

/**
 * Spendable grants of the given accounts (nearest pool member first) in burn
 * order, a page at a time, starting with `firstPage` when the caller already
 * read it (spendableFunds). Callers hold the balance locks of these accounts,
 * which is what guards the grants' remaining amounts.
 */
export async function* spendableGrants(
  tx: Tx,
  accountIds: readonly string[],
  creditType: string,
  now: Date,
  firstPage?: readonly Grant[],
): AsyncGenerator<Grant> {
  let offset = 0;
  if (firstPage) {
    yield* firstPage;
    if (firstPage.length < SPENDABLE_PAGE) return;
    offset = SPENDABLE_PAGE;
  }
  for (; ; offset += SPENDABLE_PAGE) {
    const page = await spendableInBurnOrder(tx, accountIds, creditType, now).offset(offset).execute();
    yield* page;
    if (page.length < SPENDABLE_PAGE) return;
  }
}

export interface SpendableFunds {
  /** Σ remaining of every spendable grant of the accounts. */
  total: bigint;
  /** The first page spendableGrants would read, to hand back to it. */
  firstPage: Grant[];
}

/** The spendable total and the first page of grants in burn order, in one round trip (a window sum). */
export async function spendableFunds(tx: Tx, accountIds: readonly string[], creditType: string, now: Date): Promise<SpendableFunds> {
  const rows = await spendableInBurnOrder(tx, accountIds, creditType, now)
    .select(sql<bigint>`(sum(remaining) over ())::int8`.as('spendable_total'))
    .execute();
  return {
    total: rows[0]?.spendable_total ?? 0n,
    firstPage: rows.map(({ spendable_total: _total, ...grant }) => grant),
  };
}

/**
 * Pays an account's overdraft debt from its own spendable grants, in burn order.
 * A pool parent's grants never pay a child's debt: the debt is the child's.
 */
export async function settleDebt(posting: Posting, tx: Tx, accountId: string, creditType: string): Promise<void> {
  const row = posting.balanceOf(accountId, creditType);
  if (row.debt === 0n) return;
  for await (const grant of spendableGrants(tx, [accountId], creditType, posting.context.now)) {
    if (row.debt === 0n) break;
    posting.post('settle', accountId, creditType, grant.remaining < row.debt ? grant.remaining : row.debt, { grant });
  }
}

function parseCostBasis(costBasis: GrantInput['costBasis']): { minor: bigint; currency: string } | null {
  if (!costBasis) return null;
  try {
    return parseMoney(costBasis.amount, costBasis.currency);
  } catch (error) {
    if (error instanceof AmountFormatError) {
      throw new ValidationError('Invalid cost basis', [{ path: 'costBasis', message: error.message, code: error.code }]);
    }
    throw error;
  }
}

export async function issueGrant(deps: LedgerDeps, input: GrantInput, meta: OperationMeta): Promise<GrantView> {
  const creditType = await getCreditType(deps.db, input.creditType).catch(() => {
    throw new ValidationError('Unknown credit type', [{ path: 'creditType', message: `credit type ${input.creditType} does not exist` }]);
  });
  const amount = toUnits(creditType, input.amount, 'amount');
  const costBasis = parseCostBasis(input.costBasis);
  await requireAccount(deps.db, input.accountId);

  return runLedgerOperation(
    deps,
    { accountId: input.accountId, kind: 'grant', creditType: creditType.id, meta, request: input },
    async ({ tx, transactionId, now }) => {
      const effectiveAt = input.effectiveAt ?? now;
      if (input.expiresAt && input.expiresAt <= effectiveAt) {
        throw new ValidationError('Expiry must be after the effective time', [
          { path: 'expiresAt', message: `${input.expiresAt.toISOString()} is not after ${effectiveAt.toISOString()}` },
        ]);
      }
      const balances = await lockBalances(tx, [{ accountId: input.accountId, creditType: creditType.id }]);
      if (input.externalRef !== undefined) {
        const existing = await tx
          .selectFrom('grants')
          .selectAll()
          .where('account_id', '=', input.accountId)
          .where('external_ref', '=', input.externalRef)
          .executeTakeFirst();
        if (existing) return grantView(creditType, existing);
      }
      const grant = await tx
        .insertInto('grants')
        .values({
          account_id: input.accountId,
          id: newId('grant'),
          credit_type: creditType.id,
          amount,
          remaining: 0n,
          source: input.source,
          priority: input.priority ?? defaultPriority[input.source],
          effective_at: effectiveAt,
          expires_at: input.expiresAt ?? null,
          reason_code: input.reasonCode ?? null,
          reason: meta.reason ?? null,
          issued_by: meta.actor,
          cost_basis_minor: costBasis?.minor ?? null,
          cost_basis_currency: costBasis?.currency ?? null,
          pricing_version: input.pricingVersion ?? null,
          external_ref: input.externalRef ?? null,
          transaction_id: transactionId,
          metadata: JSON.stringify(input.metadata ?? {}),
          created_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const posting = new Posting(tx, balances, { transactionId, initiatorAccountId: input.accountId, now, ...meta });
      posting.post('grant', input.accountId, creditType.id, amount, { grant });
      // settleDebt reads grants from the database: write the new one first.
      await posting.flush();
      await settleDebt(posting, tx, input.accountId, creditType.id);
      await posting.flush();
      // Settling debt may have drawn on this very grant: answer with what it has now.
      return grantView(creditType, await findGrant(tx, grant.id));
    },
  );
}

export async function findGrant(db: Database | Tx, grantId: string): Promise<Grant> {
  const grant = await db.selectFrom('grants').selectAll().where('id', '=', grantId).executeTakeFirst();
  if (!grant) throw new NotFoundError('grant', grantId);
  return grant;
}

export async function getGrant(db: Database, grantId: string): Promise<GrantView> {
  const grant = await findGrant(db, grantId);
  return grantView(await getCreditType(db, grant.credit_type), grant);
}

export async function listGrants(
  db: Database,
  accountId: string,
  filter: { creditType?: string | undefined; status?: string | undefined; limit: number; after?: string | undefined },
): Promise<GrantView[]> {
  let query = db.selectFrom('grants').selectAll().where('account_id', '=', accountId);
  if (filter.creditType) query = query.where('credit_type', '=', filter.creditType);
  if (filter.status) query = query.where('status', '=', filter.status as Grant['status']);
  if (filter.after) query = query.where('id', '>', filter.after);
  const rows = await query.orderBy('id').limit(filter.limit).execute();
  return Promise.all(rows.map(async (g) => grantView(await getCreditType(db, g.credit_type), g)));
}

/** Locks a grant's balance row, then reads the grant as it is under that lock. */
async function lockGrant(tx: Tx, grantId: string) {
  const found = await findGrant(tx, grantId);
  const balances = await lockBalances(tx, [{ accountId: found.account_id, creditType: found.credit_type }]);
  const grant = await findGrant(tx, grantId);
  return { grant, balances };
}

/** Void (R-L5): a compensating entry takes what remains of the grant. */
export async function voidGrant(deps: LedgerDeps, grantId: string, meta: OperationMeta): Promise<GrantView> {
  const found = await findGrant(deps.db, grantId);
  const creditType = await getCreditType(deps.db, found.credit_type);
  return runLedgerOperation(
    deps,
    { accountId: found.account_id, kind: 'void', creditType: creditType.id, meta, request: { grantId } },
    async ({ tx, transactionId, now }) => {
      const { grant, balances } = await lockGrant(tx, grantId);
      if (grant.status !== 'active') {
        throw new ConflictError('grant_not_active', `Grant ${grantId} is already ${grant.status}`, { status: grant.status });
      }
      const posting = new Posting(tx, balances, { transactionId, initiatorAccountId: grant.account_id, now, ...meta });
      if (grant.remaining > 0n) posting.post('void', grant.account_id, grant.credit_type, grant.remaining, { grant });
      posting.closeGrant(grant, 'voided');
      await posting.flush();
      return grantView(creditType, grant);
    },
  );
}

/**
 * Expires what remains of a grant whose expiry has passed (R-G6, breakage).
 * Safe to call any number of times: only the first call after the expiry
 * instant writes an entry.
 */
export async function expireGrant(
  deps: LedgerDeps,
  grantId: string,
  meta: OperationMeta,
): Promise<{ grantId: string; expired: string; status: string }> {
  const found = await findGrant(deps.db, grantId);
  const creditType = await getCreditType(deps.db, found.credit_type);
  return runLedgerOperation(
    deps,
    { accountId: found.account_id, kind: 'expiry', creditType: creditType.id, meta, request: { grantId } },
    async ({ tx, transactionId, now }) => {
      const { grant, balances } = await lockGrant(tx, grantId);
      if (grant.status !== 'active' || grant.expires_at === null || grant.expires_at > now) {
        return { grantId, expired: fromUnits(creditType, 0n), status: grant.status };
      }
      const posting = new Posting(tx, balances, { transactionId, initiatorAccountId: grant.account_id, now, ...meta });
      const expired = grant.remaining;
      if (expired > 0n) {
        posting.post('expiry', grant.account_id, grant.credit_type, expired, {
          grant,
          metadata: grant.cost_basis_currency
            ? { cost_basis_minor: String(grant.cost_basis_minor), cost_basis_currency: grant.cost_basis_currency }
            : {},
        });
      }
      posting.closeGrant(grant, 'expired');
      await posting.flush();
      return { grantId, expired: fromUnits(creditType, expired), status: 'expired' };
    },
  );
}
