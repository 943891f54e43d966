import { sql, type Kysely } from 'kysely';

/**
 * Notifications (R-I4) and the HubSpot link (R-I2). Frozen once on main.
 *
 * - outbox_relay_state / outbox_dispatches: the relay's low-water mark and a
 *   marker per dispatched event, so an event whose identity seq committed late
 *   (below events already relayed) is still found and dispatched once.
 * - balance_alert_*: per-account low-balance thresholds and the armed state
 *   that gives balance.low its hysteresis.
 * - webhook_*: customer endpoints, one delivery row per (endpoint, event), and
 *   the per-endpoint circuit breaker.
 * - crm_*: the account ↔ HubSpot company link, the "needs a sync" mark written
 *   by the ledger observer, and owner tasks requested by events.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('outbox_relay_state')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('cursor_seq', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('outbox_dispatches')
    .addColumn('seq', 'int8', (c) => c.primaryKey())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('dispatched_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('balance_alert_settings')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('credit_type', 'text', (c) => c.notNull().references('credit_types.id'))
    .addColumn('low_threshold', 'int8', (c) => c.notNull().check(sql`low_threshold >= 0`))
    .addColumn('rearm_threshold', 'int8', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('balance_alert_settings_pk', ['account_id', 'credit_type'])
    .addCheckConstraint('balance_alert_rearm_above_low', sql`rearm_threshold >= low_threshold`)
    .execute();
  await db.schema
    .createTable('balance_alert_state')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('credit_type', 'text', (c) => c.notNull())
    .addColumn('low_active', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('depleted_active', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('balance_alert_state_pk', ['account_id', 'credit_type'])
    .execute();

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.references('accounts.id'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('event_types', sql`text[]`, (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('previous_secret', 'text')
    .addColumn('previous_secret_expires_at', 'timestamptz')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('deleted_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('webhook_endpoints_account_idx').on('webhook_endpoints').columns(['account_id']).execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id'))
    .addColumn('event_id', 'text', (c) => c.notNull().references('outbox_events.id'))
    .addColumn('event_seq', 'int8', (c) => c.notNull())
    .addColumn('account_id', 'text')
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending', 'succeeded', 'failed', 'cancelled')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('replays', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('workflow_started', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_attempt_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .addUniqueConstraint('webhook_deliveries_endpoint_event_uq', ['endpoint_id', 'event_id'])
    .execute();
  await sql`create index webhook_deliveries_unstarted_idx on webhook_deliveries (created_at) where not workflow_started`.execute(db);
  await db.schema.createIndex('webhook_deliveries_status_idx').on('webhook_deliveries').columns(['status', 'created_at']).execute();

  await db.schema
    .createTable('webhook_endpoint_health')
    .addColumn('endpoint_id', 'text', (c) => c.primaryKey().references('webhook_endpoints.id'))
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('open_until', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('crm_links')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id'))
    .addColumn('company_id', 'text')
    .addColumn('domain', 'text')
    .addColumn('owner_id', 'text')
    .addColumn('linked_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('crm_links_company_or_domain', sql`company_id is not null or domain is not null`)
    .execute();
  await sql`create unique index crm_links_company_uq on crm_links (company_id) where company_id is not null`.execute(db);

  // Set by the ledger observer in the ledger transaction (an upsert that changes
  // nothing while already pending); cleared by the relay in the transaction
  // that signals the account's sync workflow.
  await db.schema
    .createTable('crm_sync_marks')
    .addColumn('account_id', 'text', (c) => c.primaryKey())
    .addColumn('pending', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('marked_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index crm_sync_marks_pending_idx on crm_sync_marks (marked_at) where pending`.execute(db);

  await db.schema
    .createTable('crm_tasks')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending', 'created')`),
    )
    .addColumn('hubspot_task_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index crm_tasks_pending_idx on crm_tasks (account_id) where status = 'pending'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'crm_tasks',
    'crm_sync_marks',
    'crm_links',
    'webhook_endpoint_health',
    'webhook_deliveries',
    'webhook_endpoints',
    'balance_alert_state',
    'balance_alert_settings',
    'outbox_dispatches',
    'outbox_relay_state',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
