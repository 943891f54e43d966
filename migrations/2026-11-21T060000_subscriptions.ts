import { sql, type Kysely } from 'kysely';

/**
 * Subscriptions (R-G5, R-G7): one row per subscription, written when it is
 * started (by the API, or by a trial converting). The live state (status,
 * current period, upcoming allotments) is the subscription workflow's; this
 * row is what lists an account's subscriptions and binds a subscription id to
 * its account. Frozen once on main.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('workflow_id', 'text', (c) => c.notNull().unique())
    .addColumn('plan_id', 'text', (c) => c.notNull())
    .addColumn('plan_version', 'text', (c) => c.notNull())
    .addColumn('anchor_at', 'timestamptz', (c) => c.notNull())
    .addColumn('trial_id', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('subscriptions_account_idx').on('subscriptions').columns(['account_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('subscriptions').ifExists().execute();
}
