import { sql, type Kysely } from 'kysely';

/**
 * Runtime flags (issue 16, R-O2): the global enforcement settings, one row,
 * changed through PATCH /v1/settings/enforcement and announced to every
 * process on the burndown_settings channel. A null column means "the
 * environment's value" (ENFORCEMENT_MODE, ENFORCEMENT_ROLLOUT_PERCENT,
 * LEDGER_UNAVAILABLE_POLICY). Shadow entries now also come from deducts and
 * holds (no pricing rule: rating and version null) and name their feature, so
 * the shadow report groups by it; indexed by time for that report.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table enforcement_settings (
      id boolean primary key default true check (id),
      mode text check (mode in ('enforce', 'shadow', 'off')),
      rollout_percent int check (rollout_percent between 0 and 100),
      ledger_unavailable_policy text check (ledger_unavailable_policy in ('fail_open', 'fail_closed')),
      updated_at timestamptz not null,
      updated_by text not null
    )`.execute(db);
  await sql`
    alter table shadow_entries
      alter column pricing_version drop not null,
      alter column rating drop not null,
      add column feature text`.execute(db);
  await sql`update shadow_entries set feature = rating->>'feature'`.execute(db);
  await sql`create index shadow_entries_created_idx on shadow_entries (created_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists shadow_entries_created_idx`.execute(db);
  await sql`delete from shadow_entries where rating is null`.execute(db);
  await sql`
    alter table shadow_entries
      drop column feature,
      alter column pricing_version set not null,
      alter column rating set not null`.execute(db);
  await sql`drop table if exists enforcement_settings`.execute(db);
}
