import { sql, type Kysely } from 'kysely';

/**
 * Metering's per-account look-up (issue 13, docs/PERFORMANCE.md "Metering"):
 * an account's pending events in event-time order from a given time. With
 * only (status, event_time, id) and (account_id, event_time) to choose from,
 * the planner, on statistics taken while the table was small, ANDed a bitmap
 * of every pending event with the account's: on a backlog of 1,000,000 events
 * the first metering batch took 34.6 s (500 accounts × 1,000,000 index rows),
 * and the bench's metering row saw nothing burned. This partial index answers
 * the look-up in index order with its limit, whatever the statistics say, and
 * holds only what is not burned yet. It also holds the events awaiting funds,
 * so that the balance read's pendingUsage (usage_pending_view, T141100) uses the
 * same index: one index write per ingested event instead of two (metering's
 * `status = 'pending'` implies the index's predicate).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index usage_events_unburned_idx on usage_events (account_id, event_time, id)
    where status in ('pending', 'awaiting_funds')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists usage_events_unburned_idx`.execute(db);
}
