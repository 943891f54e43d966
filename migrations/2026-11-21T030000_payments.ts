import { sql, type Kysely } from 'kysely';

/**
 * Payments (R-G1, R-G2, R-G8, R-I1): Stripe customers per account, purchases
 * (one-off and auto-recharge) keyed by their PaymentIntent, processed webhook
 * event ids, auto-recharge settings and account payment flags. No card data:
 * only Stripe ids. Frozen once landed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('stripe_customers')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id'))
    .addColumn('customer_id', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('purchases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('origin', 'text', (c) => c.notNull().check(sql`origin in ('purchase', 'recharge')`))
    .addColumn('bundle_id', 'text', (c) => c.notNull())
    .addColumn('catalog_version', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity > 0`))
    .addColumn('credit_type', 'text', (c) => c.notNull().references('credit_types.id'))
    .addColumn('credits', 'int8', (c) => c.notNull().check(sql`credits > 0`))
    .addColumn('amount_minor', 'int8', (c) => c.notNull().check(sql`amount_minor > 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('pending', 'requires_action', 'succeeded', 'failed', 'refunded', 'partially_refunded')`),
    )
    .addColumn('payment_intent_id', 'text', (c) => c.unique())
    .addColumn('workflow_id', 'text')
    .addColumn('grant_id', 'text')
    .addColumn('refunded_minor', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('failure_reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('purchases_account_idx').on('purchases').columns(['account_id', 'credit_type', 'created_at']).execute();

  await db.schema
    .createTable('stripe_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('processed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('recharge_settings')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('credit_type', 'text', (c) => c.notNull().references('credit_types.id'))
    .addColumn('enabled', 'boolean', (c) => c.notNull())
    .addColumn('paused', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('threshold', 'int8', (c) => c.notNull().check(sql`threshold >= 0`))
    .addColumn('bundle_id', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity > 0`))
    .addColumn('top_up_to', 'int8')
    .addColumn('monthly_cap_minor', 'int8', (c) => c.notNull().check(sql`monthly_cap_minor >= 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('payment_method_id', 'text')
    .addColumn('trigger_pending_since', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('recharge_settings_pk', ['account_id', 'credit_type'])
    .execute();

  await db.schema
    .createTable('payment_account_flags')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('flag', 'text', (c) => c.notNull().check(sql`flag in ('recharge_failed', 'disputed')`))
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('payment_account_flags_pk', ['account_id', 'flag', 'reference'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['payment_account_flags', 'recharge_settings', 'stripe_events', 'purchases', 'stripe_customers']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
