import { sql, type Kysely } from 'kysely';

/**
 * Runtime flags (issue 16, R-O2): the global enforcement settings, one row,
 * changed through PATCH /v1/settings/enforcement and announced to every
 * process on the burndown_settings channel. A null column means "the
 * environment's value" (ENFORCEMENT_MODE, ENFORCEMENT_ROLLOUT_PERCENT,
 * LEDGER_UNAVAILABLE_POLICY). Shadow entries now also come from deducts and
 * holds (no pricing rule: rating and version null) and name their feature, so
 * the shadow report groups by it; indexed by time for that report. An
 * account's own enforcement mode, which deducts and holds read from each
 * process's memory, is announced on the same channel when it changes, by
 * whatever writes it.
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
  await sql`
    create function accounts_announce_enforcement_mode() returns trigger language plpgsql as $$
    begin
      perform pg_notify('burndown_settings', 'account:' || new.id);
      return null;
    end $$`.execute(db);
  await sql`
    create trigger accounts_enforcement_mode_changed after update of enforcement_mode on accounts
    for each row when (old.enforcement_mode is distinct from new.enforcement_mode)
    execute function accounts_announce_enforcement_mode()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists accounts_enforcement_mode_changed on accounts`.execute(db);
  await sql`drop function if exists accounts_announce_enforcement_mode()`.execute(db);
  await sql`drop index if exists shadow_entries_created_idx`.execute(db);
  await sql`delete from shadow_entries where rating is null`.execute(db);
  await sql`
    alter table shadow_entries
      drop column feature,
      alter column pricing_version set not null,
      alter column rating set not null`.execute(db);
  await sql`drop table if exists enforcement_settings`.execute(db);
}
