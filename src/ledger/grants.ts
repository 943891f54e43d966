import type { Database, Tx } from '../db/database.js';
import type { CreditType, Grant, GrantSource } from '../db/schema.js';
import { AmountFormatError, formatMoney, parseMoney } from '../money/amount.js';
import type { LedgerDeps, OperationMeta } from './context.js';
import { fromUnits, getCreditType, toUnits } from './credit-types.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { runLedgerOperation } from './ledger-transaction.js';

/**
 * Burn order (R-L3), the documented rule: an account's own grants before its
 * pool parents'; within one account, lower priority number first, then the
 * soonest expiry (grants that never expire last), then the oldest, then id.
 * Default priorities put promotional and trial credits first and purchased
 * credits last, so free and expiring credits are used before paid ones. The
 * order itself is written once, in SQL: ledger_burn_key
 * (migrations/2026-11-29T000000_ledger_sql_core.ts).
 */
export const defaultPriority: Record<GrantSource, number> = {
  promo: 10,
  trial: 10,
  rollover: 20,
  plan: 30,
  support: 40,
  refund: 90,
  purchase: 100,
  // Opening balances from another system burn like purchased credits unless the import row gives a priority.
  migration: 100,
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

/** The fields of a grant operation as ledger_execute reads them (amounts in units, the priority by source). */
export async function grantOpFields(db: Database | Tx, input: GrantInput): Promise<Record<string, unknown>> {
  const creditType = await getCreditType(db, input.creditType).catch(() => {
    throw new ValidationError('Unknown credit type', [{ path: 'creditType', message: `credit type ${input.creditType} does not exist` }]);
  });
  const amount = toUnits(creditType, input.amount, 'amount');
  const costBasis = parseCostBasis(input.costBasis);
  return {
    accountId: input.accountId,
    creditType: creditType.id,
    amount: amount.toString(),
    source: input.source,
    priority: input.priority ?? defaultPriority[input.source],
    effectiveAt: input.effectiveAt?.toISOString(),
    expiresAt: input.expiresAt?.toISOString(),
    reasonCode: input.reasonCode,
    costBasisMinor: costBasis?.minor.toString(),
    costBasisCurrency: costBasis?.currency,
    pricingVersion: input.pricingVersion,
    externalRef: input.externalRef,
    metadata: input.metadata ?? {},
  };
}

/**
 * Issues a grant in one call (ledger_issue_grant), idempotent by externalRef,
 * then settles the account's debt from its own grants, this one included.
 */
export async function issueGrant(deps: LedgerDeps, input: GrantInput, meta: OperationMeta): Promise<GrantView> {
  return runLedgerOperation<GrantView>(deps, { kind: 'grant', fields: await grantOpFields(deps.db, input), meta, request: input });
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

/** Void (R-L5): a compensating entry takes what remains of the grant (ledger_void_grant). */
export function voidGrant(deps: LedgerDeps, grantId: string, meta: OperationMeta): Promise<GrantView> {
  return runLedgerOperation<GrantView>(deps, { kind: 'void', fields: { grantId }, meta, request: { grantId } });
}

/**
 * Expires what remains of a grant whose expiry has passed (R-G6, breakage).
 * Safe to call any number of times: only the first call after the expiry
 * instant writes an entry.
 */
export function expireGrant(
  deps: LedgerDeps,
  grantId: string,
  meta: OperationMeta,
): Promise<{ grantId: string; expired: string; status: string }> {
  return runLedgerOperation(deps, { kind: 'expiry', fields: { grantId }, meta, request: { grantId } });
}
