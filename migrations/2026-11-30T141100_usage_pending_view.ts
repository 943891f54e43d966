import { sql, type Kysely } from 'kysely';

/**
 * pendingUsage (issue 18): the usage events of an account that are accepted
 * but not burned yet (pending metering, or awaiting funds), for the balance
 * read and the entitlement check to count in the same statement.
 *
 * usage_events_unburned_idx (made by T140000 for metering) holds only those events (metering takes them out
 * as it burns them), so the read costs one probe of a small index whatever
 * the account's history; an account with none answers null at once.
 *
 * usage_pending_view(account) returns, when there are any: the account's
 * pricing fields and price overrides (as src/consumption/pricing/override-store.ts
 * reads them), the rated ones' cost per credit type (awaiting funds: metering
 * has rated them), and the unrated ones grouped by (feature, quantity) with
 * their count and latest event time, for the API to rate. The 256 largest
 * groups are exact; the rest fold into one group per feature at its largest
 * quantity (an estimate that errs high), so the read stays bounded while
 * metering lags.
 */
const statements = [
  // An account's price overrides as overridesJsonSql (src/consumption/pricing/override-store.ts) reads them, for the views below.
  String.raw`create function usage_price_overrides(p_account text) returns json
    language sql stable as $$
      select coalesce(json_agg(json_build_object(
          'id', o.id, 'feature', o.feature, 'rate', o.rate, 'tiers', o.tiers,
          'effectiveFrom', o.effective_from, 'until', least(o.effective_to, o.ended_at)) order by o.effective_from), '[]'::json)
      from price_overrides o where o.account_id = p_account and (o.ended_at is null or o.ended_at > o.effective_from)
    $$`,

  String.raw`create function usage_pending_view(p_account text) returns json
    language plpgsql stable
    as $$
    begin
      if not exists (select from usage_events e where e.account_id = p_account and e.status in ('pending', 'awaiting_funds')) then
        return null;
      end if;
      return json_build_object(
        'account', (select json_build_object('id', a.id, 'pricing_version', a.pricing_version, 'cohort', a.cohort,
                      'enforcement_mode', a.enforcement_mode) from accounts a where a.id = p_account),
        'overrides', usage_price_overrides(p_account),
        'rated', (select coalesce(json_agg(json_build_array(r.credit_type, r.cost::text) order by r.credit_type), '[]')
                  from (select e.credit_type, sum(e.cost) as cost from usage_events e
                        where e.account_id = p_account and e.status in ('pending', 'awaiting_funds') and e.credit_type is not null
                        group by e.credit_type) r),
        'unrated', (with g as (
                      select e.feature, coalesce(e.quantity, '1') as quantity, count(*) as events, max(e.event_time) as at,
                        row_number() over (order by count(*) desc, e.feature, coalesce(e.quantity, '1')) as n
                      from usage_events e
                      where e.account_id = p_account and e.status in ('pending', 'awaiting_funds') and e.credit_type is null
                      group by e.feature, coalesce(e.quantity, '1'))
                    select coalesce(json_agg(json_build_array(u.feature, u.quantity, u.events, ledger_iso(u.at))), '[]')
                    from (select feature, quantity, events, at from g where n <= 256
                          union all
                          select feature, max(quantity::numeric)::text, sum(events), max(at) from g where n > 256 group by feature) u));
    end $$`,

  String.raw`do $$ begin
    execute format('alter function usage_pending_view(text) set search_path = %I, pg_temp', current_schema());
    execute format('alter function usage_price_overrides(text) set search_path = %I, pg_temp', current_schema());
  end $$`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists usage_pending_view(text)`.execute(db);
  await sql`drop function if exists usage_price_overrides(text)`.execute(db);
}
