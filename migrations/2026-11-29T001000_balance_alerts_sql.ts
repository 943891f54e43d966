import { sql, type Kysely } from 'kysely';

/**
 * balance.low and balance.depleted as a ledger SQL observer
 * (src/notifications/balance-alerts.ts): the ledger runs it inside the
 * operation's own call, so alerts cost no round trip. Frozen once on main.
 *
 * `args`: {lowThreshold (whole credits, 0: none by default), rearmPercent}.
 */
const statements = [
  String.raw`create function notifications_balance_alerts(op jsonb, args jsonb) returns jsonb
    language plpgsql as $$
    declare
      v_account text := op->>'accountId';
      v_credit_type text := op->>'creditType';
      v_transaction text := op->>'transactionId';
      v_now timestamptz := (op->>'now')::timestamptz;
      default_whole int8 := (args->>'lowThreshold')::int8;
      rearm_percent int8 := (args->>'rearmPercent')::int8;
      chain text[] := ledger_pool_chain(v_account);
      r record;
      cause text;
    begin
      -- The balance rows of the operation account and its pool parents with
      -- their thresholds and armed states; the states that change are stored,
      -- and accounts linked to HubSpot are marked for a CRM sync.
      for r in
        with cur as (
          select b.account_id, b.balance as available, b.granted, ct.precision,
                 coalesce(s.low_threshold, default_whole * power(10, ct.precision)::int8) as low,
                 coalesce(s.rearm_threshold, default_whole * power(10, ct.precision)::int8 * (100 + rearm_percent) / 100) as rearm,
                 coalesce(st.low_active, false) as low_active,
                 coalesce(st.depleted_active, false) as depleted_active
          from balances b
          join credit_types ct on ct.id = b.credit_type
          left join balance_alert_settings s on s.account_id = b.account_id and s.credit_type = b.credit_type
          left join balance_alert_state st on st.account_id = b.account_id and st.credit_type = b.credit_type
          where b.account_id = any(chain) and b.credit_type = v_credit_type
        ),
        nxt as (
          select cur.*,
                 case when low > 0 and available < low then true
                      when available >= rearm then false
                      else low_active end as low_next,
                 available <= 0 and granted > 0 as depleted_next
          from cur
        ),
        saved as (
          insert into balance_alert_state (account_id, credit_type, low_active, depleted_active, updated_at)
          select nxt.account_id, v_credit_type, low_next, depleted_next, v_now from nxt
          where low_next <> low_active or depleted_next <> depleted_active
          on conflict (account_id, credit_type) do update
            set low_active = excluded.low_active, depleted_active = excluded.depleted_active, updated_at = excluded.updated_at
          returning 1
        ),
        marked as (
          insert into crm_sync_marks (account_id, pending, marked_at)
          select c.id, true, v_now from unnest(chain) as c(id) where exists (select 1 from crm_links l where l.account_id = c.id)
          on conflict (account_id) do update set pending = true, marked_at = excluded.marked_at
            where not crm_sync_marks.pending
          returning 1
        )
        select nxt.account_id, nxt.available, nxt.low, nxt.rearm, nxt.precision,
               low_next and not low_active as fire_low, depleted_next and not depleted_active as fire_depleted
        from nxt
      loop
        continue when not r.fire_low and not r.fire_depleted;
        -- The operation account keeps the id form events had before pools were evaluated.
        cause := case when r.account_id = v_account then v_transaction else v_transaction || ':' || r.account_id end;
        if r.fire_low then
          insert into outbox_events (id, account_id, type, schema_version, payload, occurred_at)
            values ('balance.low:' || cause || ':' || v_credit_type, r.account_id, 'balance.low', 1,
              jsonb_build_object('accountId', r.account_id, 'creditType', v_credit_type,
                'available', ledger_units_text(r.available, r.precision), 'threshold', ledger_units_text(r.low, r.precision),
                'rearmAt', ledger_units_text(r.rearm, r.precision)),
              v_now)
            on conflict (id) do nothing;
        end if;
        if r.fire_depleted then
          insert into outbox_events (id, account_id, type, schema_version, payload, occurred_at)
            values ('balance.depleted:' || cause || ':' || v_credit_type, r.account_id, 'balance.depleted', 1,
              jsonb_build_object('accountId', r.account_id, 'creditType', v_credit_type,
                'available', ledger_units_text(r.available, r.precision)),
              v_now)
            on conflict (id) do nothing;
        end if;
      end loop;
      return null;
    end $$`,

  // Hardening: runs with this schema and pg_temp last, whatever the caller's search_path.
  String.raw`do $$ begin
    execute format('alter function %s set search_path = %I, pg_temp', 'notifications_balance_alerts(jsonb, jsonb)', current_schema());
  end $$`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists notifications_balance_alerts(jsonb, jsonb)`.execute(db);
}
