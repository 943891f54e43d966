import { sql, type Kysely } from 'kysely';

/**
 * Per-customer price overrides (issue 18, R-C7): a negotiated rate for one
 * account and feature over a window of time. Rows are never deleted: ending a
 * contract early sets ended_at, so every rating that named an override can
 * still find it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('price_overrides')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('feature', 'text', (c) => c.notNull())
    .addColumn('rate', 'text')
    .addColumn('tiers', 'jsonb')
    .addColumn('effective_from', 'timestamptz', (c) => c.notNull())
    .addColumn('effective_to', 'timestamptz')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ended_at', 'timestamptz')
    .addColumn('ended_by', 'text')
    .addCheckConstraint('price_overrides_rate_or_tiers', sql`(rate is null) <> (tiers is null)`)
    .addCheckConstraint('price_overrides_window', sql`effective_to is null or effective_to > effective_from`)
    .execute();
  await db.schema
    .createIndex('price_overrides_account_idx')
    .on('price_overrides')
    .columns(['account_id', 'feature', 'effective_from'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('price_overrides').ifExists().execute();
}
