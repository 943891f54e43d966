import { sql, type Kysely } from 'kysely';

/**
 * Customer email (issue 19, docs/EMAIL.md): who of an account gets mail, in
 * which language, which kinds it declined, and one delivery row per outbox
 * event and recipient. The unique (event_id, recipient) is the deduplication:
 * a relay that runs twice over an event queues its mails once. Deliveries do
 * not reference outbox_events: data retention may delete a settled event
 * (a pending delivery of a deleted event is cancelled at its next attempt).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('email_settings')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id'))
    .addColumn('opt_out', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('email_recipients')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull().defaultTo('en'))
    .addPrimaryKeyConstraint('email_recipients_pk', ['account_id', 'email'])
    .execute();

  await db.schema
    .createTable('email_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_seq', 'int8', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending', 'sent', 'failed', 'cancelled')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('workflow_started', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_attempt_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .addUniqueConstraint('email_deliveries_event_recipient_uq', ['event_id', 'recipient'])
    .execute();
  await sql`create index email_deliveries_unstarted_idx on email_deliveries (event_seq) where not workflow_started`.execute(db);
  await db.schema.createIndex('email_deliveries_account_idx').on('email_deliveries').columns(['account_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('email_deliveries').ifExists().execute();
  await db.schema.dropTable('email_recipients').ifExists().execute();
  await db.schema.dropTable('email_settings').ifExists().execute();
}
