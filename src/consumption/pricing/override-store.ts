import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { Database } from '../../db/database.js';
import type { PriceOverrideTable } from '../../db/schema-consumption.js';
import { inTransaction } from '../../db/transaction.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import { v7 as uuidv7 } from 'uuid';
import type { PriceOverride } from './overrides.js';

/** An override row as rating reads it: a JSON object per override (PostgreSQL builds them inside the account's query). */
export type OverrideJson = {
  id: string;
  feature: string;
  rate: string | null;
  tiers: PriceOverride['tiers'];
  effectiveFrom: string;
  until: string | null;
};

/**
 * The account's overrides that ever apply, as one JSON array: a sub-select for
 * the account query of rating and of the entitlement check, so loading them
 * costs no round trip of its own. `accountId` is the SQL of the account's id.
 */
export function overridesJsonSql(accountId: RawBuilder<unknown>): RawBuilder<OverrideJson[]> {
  return sql<OverrideJson[]>`(select coalesce(json_agg(json_build_object(
      'id', o.id, 'feature', o.feature, 'rate', o.rate, 'tiers', o.tiers,
      'effectiveFrom', o.effective_from, 'until', least(o.effective_to, o.ended_at)) order by o.effective_from), '[]'::json)
    from price_overrides o where o.account_id = ${accountId} and (o.ended_at is null or o.ended_at > o.effective_from))`;
}

export function parseOverrides(rows: readonly OverrideJson[]): PriceOverride[] {
  return rows.map((o) => ({
    id: o.id,
    feature: o.feature,
    rate: o.rate,
    tiers: o.tiers,
    effectiveFrom: new Date(o.effectiveFrom),
    until: o.until === null ? null : new Date(o.until),
  }));
}

export interface OverrideInput {
  feature: string;
  rate?: string | undefined;
  tiers?: PriceOverride['tiers'] | undefined;
  effectiveFrom: Date;
  effectiveTo?: Date | null | undefined;
  reason: string;
}

export type OverrideStatus = 'scheduled' | 'active' | 'expired' | 'ended';

export interface OverrideView {
  id: string;
  accountId: string;
  feature: string;
  rate: string | null;
  tiers: PriceOverride['tiers'];
  effectiveFrom: string;
  effectiveTo: string | null;
  reason: string;
  status: OverrideStatus;
  createdBy: string;
  createdAt: string;
  endedAt: string | null;
  endedBy: string | null;
}

type Row = Selectable<PriceOverrideTable>;

export function overrideView(row: Row, now: Date): OverrideView {
  const until = [row.effective_to, row.ended_at].filter((d): d is Date => d !== null).sort((a, b) => a.getTime() - b.getTime())[0];
  const status: OverrideStatus =
    row.ended_at && row.ended_at <= now && (!row.effective_to || row.ended_at < row.effective_to)
      ? 'ended'
      : until && until <= now
        ? 'expired'
        : row.effective_from > now
          ? 'scheduled'
          : 'active';
  return {
    id: row.id,
    accountId: row.account_id,
    feature: row.feature,
    rate: row.rate,
    tiers: row.tiers,
    effectiveFrom: row.effective_from.toISOString(),
    effectiveTo: row.effective_to?.toISOString() ?? null,
    reason: row.reason,
    status,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    endedAt: row.ended_at?.toISOString() ?? null,
    endedBy: row.ended_by,
  };
}

const windowEnd = (row: Pick<Row, 'effective_to' | 'ended_at'>) =>
  [row.effective_to, row.ended_at].reduce<Date | null>((end, d) => (d === null ? end : end === null || d < end ? d : end), null);

/**
 * Stores a negotiated rate. The account's row is locked while the windows of
 * its overrides of the feature are checked, so two overlapping contracts can
 * never both be stored (rating must know which one applies).
 */
export async function insertOverride(
  db: Database,
  accountId: string,
  input: OverrideInput,
  meta: { actor: string; now: Date },
): Promise<OverrideView> {
  return inTransaction(db, async (tx) => {
    const account = await tx.selectFrom('accounts').select('id').where('id', '=', accountId).forUpdate().executeTakeFirst();
    if (!account) throw new NotFoundError('account', accountId);
    const existing = await tx
      .selectFrom('price_overrides')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('feature', '=', input.feature)
      .execute();
    const newEnd = input.effectiveTo ?? null;
    const clash = existing.find((o) => {
      const end = windowEnd(o);
      if (end !== null && end <= o.effective_from) return false; // ended before it started: never applies
      return (end === null || input.effectiveFrom < end) && (newEnd === null || o.effective_from < newEnd);
    });
    if (clash) {
      throw new ConflictError(
        'override_overlap',
        `price override ${clash.id} for ${input.feature} is in force during part of this window; end it first (DELETE) or choose another window`,
        { overrideId: clash.id },
      );
    }
    const row = await tx
      .insertInto('price_overrides')
      .values({
        id: `pov_${uuidv7().replaceAll('-', '')}`,
        account_id: accountId,
        feature: input.feature,
        rate: input.rate ?? null,
        tiers: input.tiers ? JSON.stringify(input.tiers) : null,
        effective_from: input.effectiveFrom,
        effective_to: newEnd,
        reason: input.reason,
        created_by: meta.actor,
        created_at: meta.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return overrideView(row, meta.now);
  });
}

/** An account's overrides, newest window first. */
export async function listOverrides(db: Database, accountId: string, now: Date): Promise<OverrideView[]> {
  const rows = await db
    .selectFrom('price_overrides')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('effective_from', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map((row) => overrideView(row, now));
}

export async function findOverride(db: Database, accountId: string, id: string, now: Date): Promise<OverrideView> {
  const row = await db
    .selectFrom('price_overrides')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('price override', id);
  return overrideView(row, now);
}

/**
 * Ends a contract now: usage at or after this instant is rated by the version
 * again; usage before it (late events too) keeps the override. One not yet in
 * force is thereby never applied. The row stays: ratings name it.
 */
export async function endOverride(db: Database, accountId: string, id: string, meta: { actor: string; now: Date }): Promise<OverrideView> {
  const current = await findOverride(db, accountId, id, meta.now);
  if (current.status === 'ended' || current.status === 'expired') {
    throw new ConflictError('override_not_active', `price override ${id} is already ${current.status}`, { status: current.status });
  }
  const row = await db
    .updateTable('price_overrides')
    .set({ ended_at: meta.now, ended_by: meta.actor })
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .where('ended_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new ConflictError('override_not_active', `price override ${id} is already ended`, { status: 'ended' });
  return overrideView(row, meta.now);
}
