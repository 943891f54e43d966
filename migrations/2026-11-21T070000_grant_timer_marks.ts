import { sql, type Kysely } from 'kysely';

/**
 * Grant timer marks (R-G6): a grant with an expiry whose remaining amount
 * crossed zero (used up, or refilled by a refund or a released hold). Written
 * by the ledger in the transaction that moved it, which also bumps `version`.
 * The outbox relay reads a mark with its grant, wakes (or starts again) the
 * grant's expiry timer, then clears the mark only if its version is unchanged:
 * a crossing that committed meanwhile stays pending, and no lock is held while
 * Temporal is called. Frozen once on main.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('grant_timer_marks')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text', (c) => c.notNull())
    .addColumn('pending', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('version', 'int8', (c) => c.notNull().defaultTo(1))
    .addColumn('marked_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('grant_timer_marks_pk', ['account_id', 'grant_id'])
    .execute();
  await sql`create index grant_timer_marks_pending_idx on grant_timer_marks (marked_at) where pending`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('grant_timer_marks').ifExists().execute();
}
