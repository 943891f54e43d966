import { sql, type Kysely } from 'kysely';

/**
 * The CRM timeline and upsell signals (issue 19, R-I2).
 *
 * crm_timeline_notes: one row per history item (a ledger transaction, or a
 * dispute's opening or decision) that HubSpot shows as a note on the company,
 * written once the note exists. Its key is also the note's unique
 * `burndown_note_key` in HubSpot, so a sync that died between HubSpot's create
 * and this row finds the note by key instead of making a second one.
 *
 * ledger_transactions_history_idx: the timeline reads an account's history
 * (grants, refunds, voids, expiries) without walking its burns. Partial, so a
 * deduct's insert only evaluates the predicate and writes no index entry.
 *
 * crm_upsell_signals: one row per (account, signal, period): the signal fired
 * for that period, and the deal or task made for it once `status` is created.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('crm_timeline_notes')
    .addColumn('note_key', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('hubspot_note_id', 'text', (c) => c.notNull())
    .addColumn('synced_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index crm_timeline_notes_account_idx on crm_timeline_notes (account_id)`.execute(db);
  await sql`create index ledger_transactions_history_idx on ledger_transactions (account_id)
    where kind in ('grant', 'refund', 'expiry', 'void')`.execute(db);

  await db.schema
    .createTable('crm_upsell_signals')
    .addColumn('signal_key', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('signal', 'text', (c) => c.notNull())
    .addColumn('credit_type', 'text', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull().check(sql`action in ('task', 'deal')`))
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending', 'created')`),
    )
    .addColumn('hubspot_object_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index crm_upsell_signals_pending_idx on crm_upsell_signals (account_id) where status = 'pending'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('crm_upsell_signals').ifExists().execute();
  await sql`drop index if exists ledger_transactions_history_idx`.execute(db);
  await db.schema.dropTable('crm_timeline_notes').ifExists().execute();
}
