import { sql, type Kysely } from 'kysely';

/**
 * Wakes the outbox relay (issue 16): a statement that inserts outbox events
 * NOTIFYs burndown_outbox, which PostgreSQL delivers when the transaction
 * commits (several in one transaction are folded into one). The worker
 * LISTENs and signals the relay loop, whoever wrote the event: the API, an
 * activity, or the ledger's own SQL (balance alerts). A statement that
 * inserted nothing (ON CONFLICT DO NOTHING) notifies nobody, so it takes no
 * part in NOTIFY's commit-time queue lock. Frozen once on main.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function outbox_events_notify() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from inserted) then
        perform pg_notify('burndown_outbox', '');
      end if;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger outbox_events_notify after insert on outbox_events
    referencing new table as inserted
    for each statement execute function outbox_events_notify()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists outbox_events_notify on outbox_events`.execute(db);
  await sql`drop function if exists outbox_events_notify()`.execute(db);
}
