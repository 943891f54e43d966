import { sql, type Kysely } from 'kysely';

/**
 * Usage-event ids are the sending tenant's own (issue 14): deduplication is
 * per account, so one tenant's `evt-1` never makes another's a duplicate.
 * Existing rows are kept: ids were globally unique, so they are unique per
 * account too. Shadow entries of usage events are keyed the same way.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table usage_events drop constraint usage_events_pkey`.execute(db);
  await sql`alter table usage_events add constraint usage_events_pkey primary key (account_id, id)`.execute(db);
  // GET /v1/usage-events/{id} for keys that see every account.
  await sql`create index usage_events_id_idx on usage_events (id)`.execute(db);
  await sql`alter table shadow_entries drop constraint shadow_entries_step_uq`.execute(db);
  await sql`alter table shadow_entries add constraint shadow_entries_step_uq unique (account_id, source, source_id, step)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table shadow_entries drop constraint shadow_entries_step_uq`.execute(db);
  await sql`alter table shadow_entries add constraint shadow_entries_step_uq unique (source, source_id, step)`.execute(db);
  await sql`drop index usage_events_id_idx`.execute(db);
  await sql`alter table usage_events drop constraint usage_events_pkey`.execute(db);
  await sql`alter table usage_events add constraint usage_events_pkey primary key (id)`.execute(db);
}
