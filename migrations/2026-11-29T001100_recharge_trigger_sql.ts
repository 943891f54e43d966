import { sql, type Kysely } from 'kysely';

/**
 * The auto-recharge trigger as a ledger SQL observer
 * (src/payments/recharge-trigger.ts): inside the burn's own call, an
 * (account, credit type) whose available amount fell under its threshold gets
 * `trigger_pending_since`, durable exactly when the burn is. Returns the
 * accounts marked, for the process to kick their recharge after the call.
 * Frozen once on main.
 */
const statements = [
  String.raw`create function payments_recharge_trigger(op jsonb, args jsonb) returns jsonb
    language plpgsql as $$
    declare
      v_credit_type text := op->>'creditType';
      v_now timestamptz := (op->>'now')::timestamptz;
      s record;
      available numeric; -- a pool's grants may add up to more than int8
      marked text[] := '{}';
    begin
      if op->>'kind' in ('grant', 'refund') then return null; end if;
      -- The account's own settings and its pool parents': a child burning a
      -- parent's grants lowers what the parent can spend too.
      for s in
        select rs.account_id, rs.threshold from recharge_settings rs
        where rs.account_id = any(ledger_pool_chain(op->>'accountId')) and rs.credit_type = v_credit_type and rs.enabled and not rs.paused
        order by rs.account_id
      loop
        select coalesce(sum(g.remaining), 0) into available
          from ledger_spendable_grants(ledger_pool_chain(s.account_id), v_credit_type, v_now) g;
        available := available - coalesce((select b.debt from balances b where b.account_id = s.account_id and b.credit_type = v_credit_type), 0);
        continue when available >= s.threshold;
        update recharge_settings set trigger_pending_since = coalesce(trigger_pending_since, v_now)
          where account_id = s.account_id and credit_type = v_credit_type;
        marked := marked || s.account_id;
      end loop;
      return case when cardinality(marked) = 0 then null else to_jsonb(marked) end;
    end $$`,

  // Hardening: runs with this schema and pg_temp last, whatever the caller's search_path.
  String.raw`do $$ begin
    execute format('alter function %s set search_path = %I, pg_temp', 'payments_recharge_trigger(jsonb, jsonb)', current_schema());
  end $$`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists payments_recharge_trigger(jsonb, jsonb)`.execute(db);
}
