import { writeAudit, type AuditContext } from '../audit/audit-log.js';
import { ValidationError } from '../errors.js';
import {
  createAccount,
  createCreditType,
  getAccount,
  getBalances,
  getBalancesAt,
  listCreditTypes,
  listEntries,
  requireAccount,
  updateAccount,
  type AccountBalance,
  type AccountInput,
  type AccountView,
  type EntryFilter,
  type LedgerDeps,
} from '../ledger/index.js';

/**
 * What the account, credit-type, balance and history routes call: the
 * ledger's account operations, each administrative change with its audit
 * record. The ledger itself (src/ledger) imports nothing above it, so the
 * auditing lives here. It needs the ledger's dependencies.
 */
export interface AccountsServiceDeps {
  ledger: LedgerDeps;
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

/** An existing account's balances now, or as they were at a past instant (never a future one). */
export async function balanceOf(deps: AccountsServiceDeps, accountId: string, at: Date | undefined): Promise<AccountBalance> {
  await requireAccount(deps.ledger.db, accountId);
  const now = deps.ledger.clock();
  if (at && at > now) {
    throw new ValidationError('`at` is in the future', [{ path: 'query.at', message: 'must not be later than now' }]);
  }
  return at ? getBalancesAt(deps.ledger.db, accountId, at) : getBalances(deps.ledger.db, accountId, now);
}

/** An existing account's ledger entries, newest first, a page at a time. */
export async function entriesOf(deps: AccountsServiceDeps, accountId: string, filter: EntryFilter) {
  await requireAccount(deps.ledger.db, accountId);
  return listEntries(deps.ledger.db, accountId, filter);
}
