import { sql, type Kysely } from 'kysely';

/**
 * Bulk import from another billing system (issue 19). A validated file is
 * stored as one `imports` row and one `import_rows` row per line, so the
 * import's workflow carries ids and counts, never the payloads; each row has
 * its own status and outcome. Opening balances are grants with the new source
 * `migration`. Frozen once on main.
 */
const SOURCES_BEFORE = `'purchase', 'promo', 'support', 'plan', 'trial', 'rollover', 'refund'`;

export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(`alter table grants drop constraint grants_source_check`).execute(db);
  await sql.raw(`alter table grants add constraint grants_source_check check (source in (${SOURCES_BEFORE}, 'migration'))`).execute(db);

  await db.schema
    .createTable('imports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('format', 'text', (c) => c.notNull().check(sql`format in ('jsonl', 'csv')`))
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('live', 'test')`))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('running', 'completed', 'completed_with_failures')`))
    .addColumn('total_rows', 'integer', (c) => c.notNull())
    .addColumn('done_rows', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('skipped_rows', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed_rows', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('file_sha256', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('imports_created_idx').on('imports').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('import_rows')
    .addColumn('import_id', 'text', (c) => c.notNull().references('imports.id'))
    .addColumn('line', 'integer', (c) => c.notNull())
    // Accounts (0) before pricing pins (1) before grants (2), each in file order.
    .addColumn('phase', 'smallint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('account', 'pricing_pin', 'grant')`))
    .addColumn('row_key', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'done', 'skipped', 'failed')`))
    .addColumn('outcome', 'jsonb')
    .addColumn('processed_at', 'timestamptz')
    .addPrimaryKeyConstraint('import_rows_pk', ['import_id', 'line'])
    .execute();
  // The next batch: pending rows in processing order.
  await sql`create index import_rows_pending_idx on import_rows (import_id, phase, line) where status = 'pending'`.execute(db);
  await db.schema.createIndex('import_rows_status_idx').on('import_rows').columns(['import_id', 'status', 'line']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('import_rows').ifExists().execute();
  await db.schema.dropTable('imports').ifExists().execute();
  await sql.raw(`alter table grants drop constraint grants_source_check`).execute(db);
  await sql.raw(`alter table grants add constraint grants_source_check check (source in (${SOURCES_BEFORE}))`).execute(db);
}
