import { sql, type Kysely } from 'kysely';

/**
 * usage_entitlement_view(account, credit types, now): everything the
 * entitlement check (src/consumption/entitlement.ts) reads, in one call: the
 * account's pricing fields and price overrides, its spending room per
 * candidate credit type (spendable grants of it and its pool parents by
 * ledger_spendable_grants, the definition deducts use; debt; overdraft
 * limit) and its usage not yet burned (usage_pending_view); null when the
 * account does not exist. It was one statement planned on every call; in
 * PL/pgSQL its plans are cached per session (issue 13, reads: PostgreSQL's
 * CPU per check was 2.7 times the balance read's after that moved into
 * ledger_balance_view).
 */
const statements = [
  String.raw`create function usage_entitlement_view(p_account text, p_credit_types text[], p_now timestamptz) returns json
    language plpgsql stable
    as $$
    declare
      v_chain text[] := ledger_pool_chain(p_account);
    begin
      if v_chain is null then return null; end if;
      return (select json_build_object('id', a.id, 'pricing_version', a.pricing_version, 'cohort', a.cohort,
          'enforcement_mode', a.enforcement_mode,
          'overrides', usage_price_overrides(a.id),
          -- [credit type, Σ spendable grants of the pool chain, debt, overdraft limit], int8 as text (SpendingRoomRow).
          'room', (select coalesce(json_agg(json_build_array(t.credit_type,
                      (select coalesce(sum(s.remaining), 0) from ledger_spendable_grants(v_chain, t.credit_type, p_now) s)::text,
                      coalesce(b.debt, 0)::text, coalesce(b.overdraft_limit, 0)::text)), '[]'::json)
                   from unnest(p_credit_types) as t(credit_type)
                   left join balances b on b.account_id = a.id and b.credit_type = t.credit_type),
          'pending', usage_pending_view(a.id))
        from accounts a where a.id = p_account);
    end $$`,

  String.raw`do $$ begin
    execute format('alter function usage_entitlement_view(text, text[], timestamptz) set search_path = %I, pg_temp', current_schema());
  end $$`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists usage_entitlement_view(text, text[], timestamptz)`.execute(db);
}
