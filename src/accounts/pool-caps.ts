import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { fromUnits, getCreditType, requireAccount, toUnits } from '../ledger/index.js';

/**
 * Pool member caps (issue 18): what a member account (one with a pool parent)
 * may draw from its pool parents' grants per UTC calendar month, per credit
 * type; its own grants are not capped. The ledger enforces it inside each
 * deduct and hold (migrations/2026-11-30T143100_pool_member_caps.ts): the
 * pool's funds count only up to the cap's room, read under the member's
 * balance lock, and a refusal the cap caused is pool_cap_exceeded (402).
 */
export interface PoolCapView {
  accountId: string;
  parentId: string | null;
  creditType: string;
  cap: string;
  /** Drawn from the pool this period: deducts and holds, less what releases and refunds gave back. */
  drawn: string;
  remaining: string;
  period: 'month';
  periodStart: string;
  periodEnd: string;
  updatedAt: string;
}

interface CapRow {
  account_id: string;
  parent_id: string | null;
  credit_type: string;
  amount: bigint;
  drawn: bigint;
  period_start: Date;
  updated_at: Date;
}

async function capRows(db: Database, accountId: string, now: Date, creditType?: string): Promise<CapRow[]> {
  const only = creditType === undefined ? sql`` : sql`and pc.credit_type = ${creditType}`;
  const { rows } = await sql<CapRow>`
    select pc.account_id, a.parent_id, pc.credit_type, pc.amount, coalesce(d.drawn, 0)::int8 as drawn,
      ledger_cap_period(${now}::timestamptz) as period_start, pc.updated_at
    from pool_member_caps pc join accounts a on a.id = pc.account_id
    left join pool_member_draws d on d.account_id = pc.account_id and d.credit_type = pc.credit_type
      and d.period_start = ledger_cap_period(${now}::timestamptz)
    where pc.account_id = ${accountId} ${only}
    order by pc.credit_type`.execute(db);
  return rows;
}

async function capView(db: Database, row: CapRow): Promise<PoolCapView> {
  const units = (v: bigint) => fromUnits(ct, v);
  const ct = await getCreditType(db, row.credit_type);
  const end = new Date(Date.UTC(row.period_start.getUTCFullYear(), row.period_start.getUTCMonth() + 1, 1));
  return {
    accountId: row.account_id,
    parentId: row.parent_id,
    creditType: row.credit_type,
    cap: units(row.amount),
    drawn: units(row.drawn),
    remaining: units(row.amount > row.drawn ? row.amount - row.drawn : 0n),
    period: 'month',
    periodStart: row.period_start.toISOString(),
    periodEnd: end.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The account's caps with what it drew this period (none: an empty list). */
export async function poolCapsOf(db: Database, accountId: string, now: Date): Promise<PoolCapView[]> {
  await requireAccount(db, accountId);
  return Promise.all((await capRows(db, accountId, now)).map((row) => capView(db, row)));
}

/** Sets (or changes) a member's cap for a credit type; from the next deduct or hold on, the ledger holds it. */
export async function setPoolCap(
  db: Database,
  input: { accountId: string; creditType: string; amount: string; actor: string },
  now: Date,
): Promise<PoolCapView> {
  const account = await requireAccount(db, input.accountId);
  if (account.parent_id === null) {
    throw new ConflictError(
      'not_a_pool_member',
      `Account ${input.accountId} has no pool parent: a cap limits what a member draws from its pool.`,
    );
  }
  const creditType = await getCreditType(db, input.creditType).catch(() => {
    throw new ValidationError('Unknown credit type', [{ path: 'creditType', message: `credit type ${input.creditType} does not exist` }]);
  });
  const amount = toUnits(creditType, input.amount, 'amount', { allowZero: true });
  await db
    .insertInto('pool_member_caps')
    .values({ account_id: input.accountId, credit_type: creditType.id, amount, updated_by: input.actor, updated_at: now })
    .onConflict((oc) => oc.columns(['account_id', 'credit_type']).doUpdateSet({ amount, updated_by: input.actor, updated_at: now }))
    .execute();
  return capView(db, (await capRows(db, input.accountId, now, creditType.id))[0]!);
}

/** Removes a member's cap: it draws on the pool as any member again. What it drew stays recorded. */
export async function removePoolCap(db: Database, accountId: string, creditType: string, now: Date): Promise<PoolCapView> {
  const [row] = await capRows(db, accountId, now, creditType);
  if (!row) throw new NotFoundError('pool cap', `${accountId}/${creditType}`);
  await db.deleteFrom('pool_member_caps').where('account_id', '=', accountId).where('credit_type', '=', creditType).execute();
  return capView(db, row);
}
