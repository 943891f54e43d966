import { sql, type Kysely } from 'kysely';

/**
 * Paid subscriptions (issue 18, R-G5): a plan's period charge is a purchase
 * of origin `subscription` (bundle_id = the plan, catalog_version = the plan
 * version), so purchase lists, refunds and the reporting view see it beside
 * bundles and recharges. Frozen once on main.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table purchases drop constraint purchases_origin_check`.execute(db);
  await sql`alter table purchases add constraint purchases_origin_check check (origin in ('purchase', 'recharge', 'subscription'))`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table purchases drop constraint purchases_origin_check`.execute(db);
  await sql`alter table purchases add constraint purchases_origin_check check (origin in ('purchase', 'recharge'))`.execute(db);
}
