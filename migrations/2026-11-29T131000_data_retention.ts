import { sql, type Kysely } from 'kysely';

/**
 * Data retention (issue 16, R-A4): the audit log stays append-only, and its
 * trigger now lets one more change through, only in a transaction that says it
 * applies retention (burndown.retention): removing a row's source IP, with
 * every other column unchanged. GDPR erasure's exception is as before. Indexes
 * let the retention sweep find what is due without scanning whole tables. Frozen once on main.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function audit_log_reject_change() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE'
         and (new.id, new.occurred_at, new.actor, new.action, new.target_type, new.target_id)
             = (old.id, old.occurred_at, old.actor, old.action, old.target_type, old.target_id)
         and new.account_id is not distinct from old.account_id
         and new.request_id is not distinct from old.request_id
         and new.reason is not distinct from old.reason then
        -- GDPR erasure scrubs personal data from before/after.
        if current_setting('burndown.erasure', true) = 'on' and new.source_ip is not distinct from old.source_ip then
          return new;
        end if;
        -- Retention removes the source IP, nothing else.
        if current_setting('burndown.retention', true) = 'on' and new.source_ip is null
           and new.before is not distinct from old.before and new.after is not distinct from old.after then
          return new;
        end if;
      end if;
      raise exception 'audit_log is append-only (% rejected)', tg_op using errcode = '42501';
    end $$`.execute(db);
  await sql`create index outbox_events_occurred_idx on outbox_events (occurred_at)`.execute(db);
  await sql`create index audit_log_source_ip_idx on audit_log (occurred_at) where source_ip is not null`.execute(db);
  await sql`create index usage_events_unscrubbed_idx on usage_events (received_at) where properties <> '{}'::jsonb`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists usage_events_unscrubbed_idx`.execute(db);
  await sql`drop index if exists audit_log_source_ip_idx`.execute(db);
  await sql`drop index if exists outbox_events_occurred_idx`.execute(db);
  await sql`
    create or replace function audit_log_reject_change() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and current_setting('burndown.erasure', true) = 'on'
         and (new.id, new.occurred_at, new.actor, new.action, new.target_type, new.target_id)
             = (old.id, old.occurred_at, old.actor, old.action, old.target_type, old.target_id)
         and new.account_id is not distinct from old.account_id
         and new.source_ip is not distinct from old.source_ip
         and new.request_id is not distinct from old.request_id
         and new.reason is not distinct from old.reason then
        return new;
      end if;
      raise exception 'audit_log is append-only (% rejected)', tg_op using errcode = '42501';
    end $$`.execute(db);
}
