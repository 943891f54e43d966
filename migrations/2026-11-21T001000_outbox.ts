import { sql, type Kysely } from 'kysely';

/**
 * The transactional outbox: events written in the same transaction as the
 * change that caused them, delivered later by the relay. Frozen.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('outbox_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'int8', (c) => c.notNull().generatedAlwaysAsIdentity().unique())
    .addColumn('account_id', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('schema_version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('outbox_events_account_idx').on('outbox_events').columns(['account_id', 'seq']).execute();
  await db.schema.createIndex('outbox_events_type_idx').on('outbox_events').columns(['type', 'seq']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('outbox_events').ifExists().execute();
}
