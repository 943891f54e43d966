import { sql, type Kysely } from 'kysely';

/**
 * Consumption (R-C2..R-C10, R-A1): pricing versions seen (immutability check),
 * the consumption read model of the saga workflows, usage events, shadow
 * entries (shadow mode never touches balances) and a minimal closed-periods
 * table that month-end close fills later. Frozen.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('pricing_versions')
    .addColumn('version', 'text', (c) => c.primaryKey())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('effective_from', 'timestamptz', (c) => c.notNull())
    .addColumn('rules', 'jsonb', (c) => c.notNull())
    .addColumn('registered_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('consumptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('feature', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('estimate', 'text', (c) => c.notNull())
    .addColumn('execute_mode', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('enforcement_mode', 'text', (c) => c.notNull())
    .addColumn('pricing_version', 'text')
    .addColumn('credit_type', 'text')
    .addColumn('reserved_amount', 'int8')
    .addColumn('hold_id', 'text')
    .addColumn('reserve_rating', 'jsonb')
    .addColumn('actual_quantity', 'text')
    .addColumn('final_rating', 'jsonb')
    .addColumn('burned_amount', 'int8')
    .addColumn('burn_transaction_ids', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('failure_reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('consumptions_idem_uq', ['account_id', 'idempotency_key'])
    .execute();
  await db.schema.createIndex('consumptions_account_idx').on('consumptions').columns(['account_id', 'created_at']).execute();

  await db.schema
    .createTable('usage_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('feature', 'text', (c) => c.notNull())
    .addColumn('quantity', 'text')
    .addColumn('properties', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('event_time', 'timestamptz', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('enforcement_mode', 'text')
    .addColumn('rating', 'jsonb')
    .addColumn('pricing_version', 'text')
    .addColumn('credit_type', 'text')
    .addColumn('cost', 'int8')
    .addColumn('transaction_id', 'text')
    .addColumn('closed_period_start', 'timestamptz')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('processed_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('usage_events_pending_idx').on('usage_events').columns(['status', 'event_time', 'id']).execute();
  await db.schema.createIndex('usage_events_account_idx').on('usage_events').columns(['account_id', 'event_time']).execute();

  await db.schema
    .createTable('shadow_entries')
    .addColumn('id', 'int8', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('step', 'text', (c) => c.notNull())
    .addColumn('credit_type', 'text', (c) => c.notNull())
    .addColumn('amount', 'int8', (c) => c.notNull())
    .addColumn('available', 'int8', (c) => c.notNull())
    .addColumn('would_block', 'boolean', (c) => c.notNull())
    .addColumn('pricing_version', 'text', (c) => c.notNull())
    .addColumn('rating', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('shadow_entries_step_uq', ['source', 'source_id', 'step'])
    .execute();

  await db.schema
    .createTable('closed_periods')
    .addColumn('period_start', 'timestamptz', (c) => c.primaryKey())
    .addColumn('period_end', 'timestamptz', (c) => c.notNull())
    .addColumn('closed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('closed_by', 'text', (c) => c.notNull())
    .addCheckConstraint('closed_periods_range_ck', sql`period_end > period_start`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['closed_periods', 'shadow_entries', 'usage_events', 'consumptions', 'pricing_versions']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
