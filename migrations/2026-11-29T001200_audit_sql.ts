import { sql, type Kysely } from 'kysely';

/**
 * The audit record of a ledger operation as a ledger SQL observer
 * (src/audit/audit-log.ts, `auditing`): written inside the operation's own
 * call, so it exists exactly when the change does, at no extra round trip.
 * Frozen once on main.
 *
 * `args`: {kind, record: {actor, action, targetType, targetId, accountId,
 * sourceIp, requestId, reason, before}}; the state after is the operation's
 * result. `before` absent: no value (SQL null); present: that JSON.
 */
const statements = [
  String.raw`create function audit_ledger_operation(op jsonb, args jsonb) returns jsonb
    language plpgsql as $$
    declare
      r jsonb := args->'record';
    begin
      if op->>'kind' is distinct from args->>'kind' then return null; end if;
      insert into audit_log (occurred_at, actor, action, target_type, target_id, account_id, source_ip, request_id, reason, before, after)
        values ((op->>'now')::timestamptz, r->>'actor', r->>'action', r->>'targetType', r->>'targetId', r->>'accountId',
          r->>'sourceIp', r->>'requestId', r->>'reason', r->'before', op->'result');
      return null;
    end $$`,

  // Hardening: runs with this schema and pg_temp last, whatever the caller's search_path.
  String.raw`do $$ begin
    execute format('alter function %s set search_path = %I, pg_temp', 'audit_ledger_operation(jsonb, jsonb)', current_schema());
  end $$`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists audit_ledger_operation(jsonb, jsonb)`.execute(db);
}
