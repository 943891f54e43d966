import { sql, type Kysely } from 'kysely';

/**
 * ledger_execute_sequence(ops): several operations in one transaction, in
 * order, stopping at the first refusal. Metering burns all due usage events
 * of one account with it (issue 13): one balance lock and one commit for the
 * account's events instead of one each, and each event still its own ledger
 * transaction (its key, its entries carrying the event id, its result), so
 * the entries are exactly those the events burned one by one would write.
 *
 * Unlike ledger_execute_batch (group commit of independent requests, where
 * one's 402 must not stop the others), the operations are a queue: an event
 * that cannot burn keeps the account's later events behind it, so nothing
 * after a refusal runs. The answer holds one outcome per operation that ran,
 * the last one the refusal if there was one. The idempotency locks are taken
 * first, in one order, as ledger_execute_batch takes them.
 */
const statements = [
  String.raw`create function ledger_execute_sequence(p_ops jsonb) returns json
    language plpgsql
    set plan_cache_mode = force_generic_plan
    as $$
    declare
      op jsonb;
      outcome json;
      outcomes json[] := '{}';
    begin
      perform pg_advisory_xact_lock(k.a, k.b) from (
        select distinct hashtext(o->>'accountId') as a, hashtext(o->>'idempotencyKey') as b
        from jsonb_array_elements(p_ops) o where o->>'idempotencyKey' is not null
        order by 1, 2) k;
      for op in select value from jsonb_array_elements(p_ops) loop
        outcome := ledger_execute(op);
        outcomes := outcomes || outcome;
        exit when outcome->'error' is not null;
      end loop;
      return array_to_json(outcomes);
    end $$`,

  // Pinned search_path, as the other entry points (migrations/2026-11-29T000600_ledger_sql_execute.ts).
  String.raw`do $$ begin
    execute format('alter function ledger_execute_sequence(jsonb) set search_path = %I, pg_temp', current_schema());
  end $$`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists ledger_execute_sequence(jsonb)`.execute(db);
}
