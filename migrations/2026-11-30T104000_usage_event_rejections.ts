import { sql, type Kysely } from 'kysely';

/**
 * Usage events refused as late (issue 19, "late-event cutoff, told to
 * customers"): an event older than LATE_EVENT_WINDOW_DAYS is never billed,
 * and its account's usage view lists it with its reason, so a customer can
 * see what was not charged and why. One row per account and event id (a
 * resent late event adds nothing); no properties are kept, only what the
 * customer needs to recognise the event.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('usage_event_rejections')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('feature', 'text', (c) => c.notNull())
    .addColumn('quantity', 'text')
    .addColumn('event_time', 'timestamptz', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull().check(sql`reason in ('late_event')`))
    .addColumn('detail', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('usage_event_rejections_pkey', ['account_id', 'event_id'])
    .execute();
  await db.schema
    .createIndex('usage_event_rejections_received_idx')
    .on('usage_event_rejections')
    .columns(['account_id', 'received_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('usage_event_rejections').ifExists().execute();
}
