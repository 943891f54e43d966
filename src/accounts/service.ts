import { writeAudit, type AuditContext } from '../audit/audit-log.js';
import type { Mode } from '../db/schema.js';
import { searchAccounts, type AccountSummary } from './account-search.js';
import { balanceSummary, type BalanceSummary } from './balance-summary.js';
import { notBilledEvents, type NotBilledEvents } from './not-billed.js';
import { buildStatement, type Statement } from './statement.js';
import { usageReport, type UsageQuery, type UsageReport } from './usage-report.js';
import { ValidationError } from '../errors.js';
import { pendingUsageOf, pendingUsageSql } from '../consumption/pending-usage.js';
import { pricingCatalogFor } from '../consumption/pricing/catalog.js';
import type { Database } from '../db/database.js';
import {
  createAccount,
  createCreditType,
  getAccount,
  getBalancesAt,
  getBalancesWith,
  fromUnits,
  getCreditType,
  summarizeBalance,
  listCreditTypes,
  listEntries,
  requireAccount,
  updateAccount,
  type AccountBalance,
  type CreditTypeBalance,
  type AccountInput,
  type AccountView,
  type EntryFilter,
  type LedgerDeps,
} from '../ledger/index.js';

/**
 * What the account, credit-type, balance, history and usage routes call:
 * the ledger's account operations, each administrative change with its audit
 * record, and the account reads of the web UI (search, usage report, balance
 * summary). The ledger itself (src/ledger) imports nothing above it, so the
 * auditing lives here. It needs the ledger's dependencies.
 */
export interface AccountsServiceDeps {
  ledger: LedgerDeps;
  /** The late-event window is told to customers in their usage view and statements. */
  config: { LATE_EVENT_WINDOW_DAYS: number; PRICING_DIR: string };
}

const creditTypeView = (c: { id: string; name: string; precision: number; created_at: Date }) => ({
  id: c.id,
  name: c.name,
  precision: c.precision,
  createdAt: c.created_at.toISOString(),
});

/** Creates a credit type (the same one again is a no-op), audited. */
export async function createCreditTypeAudited(
  deps: AccountsServiceDeps,
  input: { id: string; name: string; precision: number },
  audit: AuditContext,
) {
  const created = creditTypeView(await createCreditType(deps.ledger.db, input));
  await writeAudit(deps.ledger.db, {
    ...audit,
    action: 'credit_type.create',
    targetType: 'credit_type',
    targetId: created.id,
    after: created,
    occurredAt: deps.ledger.clock(),
  });
  return created;
}

export async function creditTypes(deps: AccountsServiceDeps) {
  return (await listCreditTypes(deps.ledger.db)).map(creditTypeView);
}

/** Creates an account, audited. */
export async function createAccountAudited(deps: AccountsServiceDeps, input: AccountInput, audit: AuditContext): Promise<AccountView> {
  const created = await createAccount(deps.ledger.db, input);
  await writeAudit(deps.ledger.db, {
    ...audit,
    action: 'account.create',
    targetType: 'account',
    targetId: created.id,
    accountId: created.id,
    after: created,
    occurredAt: deps.ledger.clock(),
  });
  return created;
}

/** One account; NotFoundError for an unknown id. */
export function accountById(deps: AccountsServiceDeps, accountId: string): Promise<AccountView> {
  return getAccount(deps.ledger.db, accountId);
}

/** Updates an account, audited with the state before and after. */
export async function updateAccountAudited(
  deps: AccountsServiceDeps,
  accountId: string,
  patch: Partial<Omit<AccountInput, 'id'>>,
  audit: AuditContext,
): Promise<AccountView> {
  const before = await getAccount(deps.ledger.db, accountId);
  const after = await updateAccount(deps.ledger.db, accountId, patch);
  await writeAudit(deps.ledger.db, {
    ...audit,
    action: 'account.update',
    targetType: 'account',
    targetId: accountId,
    accountId,
    before,
    after,
    occurredAt: deps.ledger.clock(),
  });
  return after;
}

/** A balance as the API answers it: each credit type with the usage accepted but not yet burned (pendingUsage, issue 18). */
export type BalanceWithUsage = Omit<AccountBalance, 'balances'> & { balances: (CreditTypeBalance & { pendingUsage: string })[] };

/**
 * An existing account's balances now, or as they were at a past instant
 * (never a future one). Now is one statement: the ledger's balance view and
 * the account's unburned usage events, read together (getBalancesWith), so
 * the pendingUsage is that of the same instant as the balance.
 */
export async function balanceOf(deps: AccountsServiceDeps, accountId: string, at: Date | undefined): Promise<BalanceWithUsage> {
  const { db } = deps.ledger;
  const now = deps.ledger.clock();
  if (at) {
    await requireAccount(db, accountId);
    if (at > now) throw new ValidationError('`at` is in the future', [{ path: 'query.at', message: 'must not be later than now' }]);
    return withPendingUsage(db, await getBalancesAt(db, accountId, at), new Map(), at);
  }
  const { balance, alongside } = await getBalancesWith(db, accountId, now, pendingUsageSql(accountId));
  return withPendingUsage(db, balance, await pendingUsageOf(db, await pricingCatalogFor(deps.config.PRICING_DIR), alongside), now);
}

/** Adds pendingUsage to every credit type, and a zero balance for a credit type that only pending usage names. */
async function withPendingUsage(db: Database, balance: AccountBalance, pending: Map<string, bigint>, now: Date): Promise<BalanceWithUsage> {
  const known = new Set(balance.balances.map((b) => b.creditType));
  const zero = { held: 0n, debt: 0n, overdraftLimit: 0n, lifetime: {} };
  const added = await Promise.all(
    [...pending.keys()]
      .filter((ct) => !known.has(ct))
      .map(async (ct) => summarizeBalance(await getCreditType(db, ct), balance.accountId, [], zero, now)),
  );
  const balances = await Promise.all(
    [...balance.balances, ...added]
      .sort((a, b) => (a.creditType < b.creditType ? -1 : a.creditType > b.creditType ? 1 : 0))
      .map(async ({ creditType, available, held, pending: granted, ...rest }) => ({
        creditType,
        available,
        held,
        pending: granted,
        pendingUsage: fromUnits(await getCreditType(db, creditType), pending.get(creditType) ?? 0n),
        ...rest,
      })),
  );
  return { ...balance, balances };
}

/** An existing account's ledger entries, newest first, a page at a time. */
export async function entriesOf(deps: AccountsServiceDeps, accountId: string, filter: EntryFilter) {
  await requireAccount(deps.ledger.db, accountId);
  return listEntries(deps.ledger.db, accountId, filter);
}

/** Accounts whose id, name or linked HubSpot domain starts with `query`, a page at a time (the console's search). */
export function accountSearch(
  deps: AccountsServiceDeps,
  input: { query?: string | undefined; after?: string | undefined; limit: number; mode: Mode },
): Promise<{ data: AccountSummary[]; nextCursor: string | null }> {
  return searchAccounts(deps.ledger.db, input);
}

/**
 * An existing account's credits burned and refunded per bucket, up to `to` or
 * now, with the usage events of the same range that were never billed (late)
 * and the window that decides it.
 */
export async function usageOf(
  deps: AccountsServiceDeps,
  accountId: string,
  query: Omit<UsageQuery, 'accountId' | 'to'> & { to?: Date | undefined },
): Promise<UsageReport & { notBilled: NotBilledEvents }> {
  await requireAccount(deps.ledger.db, accountId);
  const report = await usageReport(deps.ledger.db, { ...query, accountId, to: query.to ?? deps.ledger.clock() });
  const range = { from: new Date(report.from), to: new Date(report.to) };
  return { ...report, notBilled: await notBilledEvents(deps.ledger.db, accountId, range, deps.config.LATE_EVENT_WINDOW_DAYS) };
}

/** An existing account's balances with expiring credits apart, burn rates and depletion forecast (the wallet's balance view). */
export async function balanceSummaryOf(deps: AccountsServiceDeps, accountId: string): Promise<BalanceSummary> {
  await requireAccount(deps.ledger.db, accountId);
  return balanceSummary(deps.ledger.db, accountId, deps.ledger.clock());
}

/** An existing account's statement of one UTC month (YYYY-MM); the running month gives the statement so far. */
export function statementOf(deps: AccountsServiceDeps, accountId: string, period: string): Promise<Statement> {
  return buildStatement(deps.ledger.db, accountId, period, deps.ledger.clock(), deps.config.LATE_EVENT_WINDOW_DAYS);
}
