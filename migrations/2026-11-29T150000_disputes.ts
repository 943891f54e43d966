import { sql, type Kysely } from 'kysely';

/**
 * Disputes as cases (issue 19): one row per case, so lists and filters are
 * queries, while each case's process (SLA timer, escalation, decisions) is a
 * Temporal workflow, dispute-<id>. Notes are rows of their own, append-only.
 * One open case per disputed transaction and account. Frozen once on main.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('disputes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('subject_type', 'text', (c) => c.notNull().check(sql`subject_type in ('transaction', 'usage_event')`))
    .addColumn('transaction_id', 'text', (c) => c.notNull())
    .addColumn('usage_event_id', 'text')
    .addColumn('credit_type', 'text', (c) => c.notNull())
    .addColumn('disputed_amount', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'investigating', 'resolved', 'rejected')`))
    .addColumn('owner', 'text')
    .addColumn('queue', 'text', (c) => c.notNull())
    .addColumn('opened_by', 'text', (c) => c.notNull())
    .addColumn('opened_by_customer', 'boolean', (c) => c.notNull())
    .addColumn('sla_due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('escalated_at', 'timestamptz')
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'timestamptz')
    .addColumn('explanation', 'text')
    .addColumn('refund_transaction_id', 'text')
    .addColumn('refunded_amount', 'text')
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('disputes_account_idx').on('disputes').columns(['account_id', 'id']).execute();
  await db.schema.createIndex('disputes_status_idx').on('disputes').columns(['status', 'queue', 'id']).execute();
  await sql`create unique index disputes_one_open_per_transaction on disputes (account_id, transaction_id, coalesce(usage_event_id, ''))
            where status in ('open', 'investigating')`.execute(db);

  await db.schema
    .createTable('dispute_notes')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('dispute_id', 'text', (c) => c.notNull().references('disputes.id'))
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    // The workflow step that wrote it: a retried step does not add the note twice.
    .addColumn('step_key', 'text', (c) => c.notNull().unique())
    .execute();
  await db.schema.createIndex('dispute_notes_dispute_idx').on('dispute_notes').columns(['dispute_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('dispute_notes').ifExists().execute();
  await db.schema.dropTable('disputes').ifExists().execute();
}
