import { sql, type RawBuilder } from 'kysely';
import type { Database, Tx } from '../db/database.js';
import type { Account, EnforcementMode, Mode } from '../db/schema.js';
import { formatAmount } from '../money/amount.js';
import { getCreditType, toUnits } from './credit-types.js';
import { AlreadyExistsError, NotFoundError, ValidationError } from '../errors.js';
import { lockBalances } from './locks.js';

/** Pools nest at most this deep (account → parent → grandparent …). */
export const MAX_POOL_DEPTH = 4;

export interface AccountInput {
  id: string;
  name: string;
  parentId?: string | null | undefined;
  /** Per credit type, decimal strings. */
  overdraftLimit?: Record<string, string> | undefined;
  enforcementMode?: EnforcementMode | null | undefined;
  pricingVersion?: string | null | undefined;
  cohort?: string | null | undefined;
  metadata?: Record<string, string> | undefined;
  /** Live (the default) or test: set once, never changed; the other mode's keys never see the account. */
  mode?: Mode | undefined;
}

export interface AccountView {
  id: string;
  name: string;
  parentId: string | null;
  enforcementMode: EnforcementMode | null;
  pricingVersion: string | null;
  cohort: string | null;
  overdraftLimit: Record<string, string>;
  metadata: Record<string, unknown>;
  mode: Mode;
  createdAt: string;
  updatedAt: string;
}

async function accountView(db: Database | Tx, account: Account): Promise<AccountView> {
  const limits = await db
    .selectFrom('balances')
    .innerJoin('credit_types', 'credit_types.id', 'balances.credit_type')
    .select(['balances.credit_type', 'balances.overdraft_limit', 'credit_types.precision'])
    .where('balances.account_id', '=', account.id)
    .where('balances.overdraft_limit', '>', 0n)
    .execute();
  return {
    id: account.id,
    name: account.name,
    parentId: account.parent_id,
    enforcementMode: account.enforcement_mode,
    pricingVersion: account.pricing_version,
    cohort: account.cohort,
    overdraftLimit: Object.fromEntries(limits.map((l) => [l.credit_type, formatAmount(l.overdraft_limit, l.precision)])),
    metadata: account.metadata,
    mode: account.mode,
    createdAt: account.created_at.toISOString(),
    updatedAt: account.updated_at.toISOString(),
  };
}

export async function findAccount(db: Database | Tx, id: string): Promise<Account | undefined> {
  return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function requireAccount(db: Database | Tx, id: string): Promise<Account> {
  const account = await findAccount(db, id);
  if (!account) throw new NotFoundError('account', id);
  return account;
}

/**
 * The CTE `pool_chain(id, parent_id, depth)`: the account and its pool
 * parents, for statements that must cover the whole pool in one round trip.
 * Goes after `with recursive`.
 */
export function poolChainCte(accountId: string): RawBuilder<unknown> {
  return sql`pool_chain(id, parent_id, depth) as (
    select id, parent_id, 1 from accounts where id = ${accountId}
    union all
    select a.id, a.parent_id, c.depth + 1 from accounts a join pool_chain c on a.id = c.parent_id where c.depth <= ${MAX_POOL_DEPTH}
  )`;
}

/** The account and its pool parents, nearest first: the order their grants burn in. */
export async function poolChain(db: Database | Tx, accountId: string): Promise<Account[]> {
  const chain: Account[] = [];
  let next: string | null = accountId;
  while (next !== null) {
    if (chain.length > MAX_POOL_DEPTH) throw new Error(`pool of ${accountId} is deeper than ${MAX_POOL_DEPTH}`);
    const account: Account = await requireAccount(db, next);
    chain.push(account);
    next = account.parent_id;
  }
  return chain;
}

async function validateParent(db: Database | Tx, accountId: string, parentId: string, mode: Mode): Promise<void> {
  const parent = await findAccount(db, parentId);
  // A pool never spans modes: a parent of the other mode does not exist for this account.
  if (!parent || parent.mode !== mode) {
    throw new ValidationError('Unknown parent account', [{ path: 'parentId', message: `account ${parentId} does not exist` }]);
  }
  const chain = await poolChain(db, parentId);
  if (chain.some((a) => a.id === accountId)) {
    throw new ValidationError('Pool cycle', [{ path: 'parentId', message: `${parentId} is already below ${accountId}` }]);
  }
  if (chain.length >= MAX_POOL_DEPTH) {
    throw new ValidationError('Pool too deep', [{ path: 'parentId', message: `pools nest at most ${MAX_POOL_DEPTH} levels` }]);
  }
}

async function setOverdraftLimits(tx: Tx, accountId: string, limits: Record<string, string>): Promise<void> {
  for (const [creditTypeId, text] of Object.entries(limits)) {
    const creditType = await getCreditType(tx, creditTypeId).catch(() => {
      throw new ValidationError('Unknown credit type', [
        { path: `overdraftLimit.${creditTypeId}`, message: `credit type ${creditTypeId} does not exist` },
      ]);
    });
    const units = toUnits(creditType, text, `overdraftLimit.${creditTypeId}`, { allowZero: true });
    await lockBalances(tx, [{ accountId, creditType: creditTypeId }]);
    await tx
      .updateTable('balances')
      .set({ overdraft_limit: units })
      .where('account_id', '=', accountId)
      .where('credit_type', '=', creditTypeId)
      .execute();
  }
}

export async function createAccount(db: Database, input: AccountInput): Promise<AccountView> {
  return db.transaction().execute(async (tx) => {
    if (input.parentId) await validateParent(tx, input.id, input.parentId, input.mode ?? 'live');
    const row = await tx
      .insertInto('accounts')
      .values({
        id: input.id,
        name: input.name,
        parent_id: input.parentId ?? null,
        enforcement_mode: input.enforcementMode ?? null,
        pricing_version: input.pricingVersion ?? null,
        cohort: input.cohort ?? null,
        metadata: JSON.stringify(input.metadata ?? {}),
        mode: input.mode ?? 'live',
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new AlreadyExistsError('account', input.id);
    if (input.overdraftLimit) await setOverdraftLimits(tx, input.id, input.overdraftLimit);
    return accountView(tx, row);
  });
}

export async function getAccount(db: Database, id: string): Promise<AccountView> {
  return accountView(db, await requireAccount(db, id));
}

export async function updateAccount(db: Database, id: string, patch: Partial<Omit<AccountInput, 'id' | 'mode'>>): Promise<AccountView> {
  return db.transaction().execute(async (tx) => {
    const current = await tx.selectFrom('accounts').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!current) throw new NotFoundError('account', id);
    if (patch.parentId) await validateParent(tx, id, patch.parentId, current.mode);
    const row = await tx
      .updateTable('accounts')
      .set({
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.parentId !== undefined && { parent_id: patch.parentId }),
        ...(patch.enforcementMode !== undefined && { enforcement_mode: patch.enforcementMode }),
        ...(patch.pricingVersion !== undefined && { pricing_version: patch.pricingVersion }),
        ...(patch.cohort !== undefined && { cohort: patch.cohort }),
        ...(patch.metadata !== undefined && { metadata: JSON.stringify({ ...current.metadata, ...patch.metadata }) }),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (patch.overdraftLimit) await setOverdraftLimits(tx, id, patch.overdraftLimit);
    return accountView(tx, row);
  });
}
