import { sql, type Kysely } from 'kysely';

/**
 * Reporting for BI tools (issue 16): a read-only `reporting` schema of views
 * over the ledger, and a NOLOGIN role `burndown_reporting` that may read only
 * them. The views run with their owner's rights, so the role needs no grant on
 * the tables below them (API keys, idempotency records, audit rows stay out of
 * reach). Amounts are exact decimals in credits (numeric, scaled by the credit
 * type's precision) or integer minor units of a currency, never floats.
 * docs/REPORTING.md documents every column. Frozen once on main.
 */
const views = {
  // Burn and its refunds per UTC day, account, credit type and feature. Burn is
  // what the balances' `burned` counts: `burn` entries and committed holds.
  daily_burn: sql`
    select (e.created_at at time zone 'UTC')::date as day,
           e.account_id, e.credit_type, coalesce(e.feature, '') as feature,
           round(coalesce(sum(e.amount) filter (where e.entry_type in ('burn', 'commit')), 0)::numeric / power(10::numeric, ct.precision), ct.precision) as burned,
           round(coalesce(sum(e.amount) filter (where e.entry_type = 'refund'), 0)::numeric / power(10::numeric, ct.precision), ct.precision) as refunded,
           count(*) filter (where e.entry_type in ('burn', 'commit')) as burn_entries
      from ledger_entries e join credit_types ct on ct.id = e.credit_type
     where e.entry_type in ('burn', 'commit', 'refund')
     group by 1, e.account_id, e.credit_type, 4, ct.precision`,
  // Grants issued per UTC day, account, credit type and source, with their money (cost basis) per currency: the
  // `grant` entries, what the balances' `granted` counts (a refund that re-credits through a new grant is a refund,
  // in daily_burn).
  grants_issued: sql`
    select (e.created_at at time zone 'UTC')::date as day,
           e.account_id, e.credit_type, g.source, g.cost_basis_currency,
           count(*) as grants,
           round(sum(e.amount)::numeric / power(10::numeric, ct.precision), ct.precision) as amount,
           sum(g.cost_basis_minor) as cost_basis_minor
      from ledger_entries e
      join grants g on g.account_id = e.account_id and g.id = e.grant_id
      join credit_types ct on ct.id = e.credit_type
     where e.entry_type = 'grant'
     group by 1, e.account_id, e.credit_type, g.source, g.cost_basis_currency, ct.precision`,
  // Credits that expired unused, per UTC day, account, credit type and grant source. Breakage is the money side
  // of expired purchased credits: the grant's cost basis times the expired share, rounded half away from zero
  // to the minor unit (PostgreSQL's round on numeric).
  expiries: sql`
    select (e.created_at at time zone 'UTC')::date as day,
           e.account_id, e.credit_type, g.source, g.cost_basis_currency,
           round(sum(e.amount)::numeric / power(10::numeric, ct.precision), ct.precision) as expired,
           sum(round(g.cost_basis_minor::numeric * e.amount / g.amount))::int8 as breakage_minor
      from ledger_entries e
      join grants g on g.account_id = e.account_id and g.id = e.grant_id
      join credit_types ct on ct.id = e.credit_type
     where e.entry_type = 'expiry'
     group by 1, e.account_id, e.credit_type, g.source, g.cost_basis_currency, ct.precision`,
  // Purchases with their bundle, credits and money (minor units of their currency).
  purchases: sql`
    select p.id, p.account_id, p.origin, p.status, p.bundle_id, p.catalog_version, p.quantity, p.credit_type,
           round(p.credits::numeric / power(10::numeric, ct.precision), ct.precision) as credits,
           p.currency, p.amount_minor, p.refunded_minor, p.grant_id, p.created_at, p.updated_at
      from purchases p join credit_types ct on ct.id = p.credit_type`,
  // Balances now, per account and credit type, with the lifetime totals.
  balances: sql`
    select b.account_id, b.credit_type,
           ${sql.join(
             ['balance', 'held', 'debt', 'granted', 'burned', 'refunded', 'expired', 'voided', 'overdraft_limit'].map(
               (column) => sql`round(b.${sql.ref(column)}::numeric / power(10::numeric, ct.precision), ct.precision) as ${sql.ref(column)}`,
             ),
           )},
           b.last_entry_at
      from balances b join credit_types ct on ct.id = b.credit_type`,
};

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create schema reporting`.execute(db);
  for (const [name, query] of Object.entries(views)) {
    await sql`create view ${sql.table(`reporting.${name}`)} as ${query}`.execute(db);
  }
  // Roles belong to the cluster, not the database: another database of the cluster (a test's, a staging copy)
  // may have created it already, possibly at the same moment. A migration user without CREATEROLE skips it,
  // with a notice; docs/REPORTING.md has the statements to run as an administrator then.
  await sql`
    do $$
    begin
      begin
        create role burndown_reporting nologin;
      exception
        when duplicate_object or unique_violation then null;
        when insufficient_privilege then
          raise notice 'no CREATEROLE: create role burndown_reporting yourself (docs/REPORTING.md)';
          return;
      end;
      grant usage on schema reporting to burndown_reporting;
      grant select on all tables in schema reporting to burndown_reporting;
    end $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop schema reporting cascade`.execute(db);
}
