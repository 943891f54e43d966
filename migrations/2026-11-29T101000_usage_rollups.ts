import { sql, type Kysely } from 'kysely';

/**
 * Usage rollups (issue 15): credits burned and refunded per account (the
 * initiator: who consumed them, also when a pool parent's grant paid),
 * credit type, feature and UTC cell of 15 and of 60 minutes. The usage
 * analytics endpoint sums cells instead of entries, so a year of daily
 * buckets reads at most 8,760 hourly cells per feature whatever the number
 * of entries. Hourly cells serve every time zone whose bucket edges fall on
 * whole UTC hours; 15-minute cells serve the rest (India, Nepal,
 * Newfoundland, South Australia…).
 *
 * Kept by a statement-level trigger on ledger_entries, so every writer (the
 * ledger, bulk seeding) keeps it exact without knowing of it, in the writer's
 * own transaction: one aggregated upsert per INSERT statement, in key order
 * (no lock-order deadlock between concurrent statements). Derived data, not
 * the ledger: tests check that it equals the entries' sums after every test.
 * Frozen once on main.
 */
/** The cells of a set of entries; the trigger aggregates the statement's new rows, the backfill all rows. */
const cellsOf = (entries: string) => `
  select e.initiator_account_id, w.width,
         date_bin(make_interval(mins => w.width), e.created_at, timestamptz '2000-01-01 00:00:00+00'),
         e.credit_type, coalesce(e.feature, ''),
         coalesce(sum(e.amount) filter (where e.entry_type <> 'refund'), 0),
         coalesce(sum(e.amount) filter (where e.entry_type = 'refund'), 0)
  from ${entries} e cross join (values (15::smallint), (60::smallint)) as w(width)
  where e.entry_type in ('burn', 'commit', 'refund')
  group by 1, 2, 3, 4, 5`;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('usage_rollups')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('width_minutes', 'smallint', (c) => c.notNull().check(sql`width_minutes in (15, 60)`))
    .addColumn('bucket_start', 'timestamptz', (c) => c.notNull())
    .addColumn('credit_type', 'text', (c) => c.notNull())
    // '' for entries without a feature: a primary key column cannot be null.
    .addColumn('feature', 'text', (c) => c.notNull())
    .addColumn('burned', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('refunded', 'int8', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('usage_rollups_pk', ['account_id', 'width_minutes', 'bucket_start', 'credit_type', 'feature'])
    .execute();

  await sql`
    create function usage_rollups_add() returns trigger language plpgsql as $$
    begin
      insert into usage_rollups as r (account_id, width_minutes, bucket_start, credit_type, feature, burned, refunded)
      ${sql.raw(cellsOf('new_entries'))}
      order by 1, 2, 3, 4, 5
      on conflict (account_id, width_minutes, bucket_start, credit_type, feature)
      do update set burned = r.burned + excluded.burned, refunded = r.refunded + excluded.refunded;
      return null;
    end $$`.execute(db);
  await sql`create trigger ledger_entries_usage_rollups after insert on ledger_entries
    referencing new table as new_entries for each statement execute function usage_rollups_add()`.execute(db);

  // Entries written before this migration.
  await sql`
    insert into usage_rollups (account_id, width_minutes, bucket_start, credit_type, feature, burned, refunded)
    ${sql.raw(cellsOf('ledger_entries'))}`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists ledger_entries_usage_rollups on ledger_entries`.execute(db);
  await sql`drop function if exists usage_rollups_add()`.execute(db);
  await db.schema.dropTable('usage_rollups').ifExists().execute();
}
