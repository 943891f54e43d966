import { sql, type Kysely } from 'kysely';

/**
 * Account search for the support console (issue 15): case-insensitive prefix
 * search on account id, name and linked HubSpot domain. text_pattern_ops lets
 * `lower(x) like 'q%'` use the index under any database collation, and needs
 * no extension (pg_trgm may not be installable on a managed database).
 * Frozen once on main.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index accounts_lower_id_idx on accounts (lower(id) text_pattern_ops)`.execute(db);
  await sql`create index accounts_lower_name_idx on accounts (lower(name) text_pattern_ops)`.execute(db);
  await sql`create index crm_links_lower_domain_idx on crm_links (lower(domain) text_pattern_ops) where domain is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of ['accounts_lower_id_idx', 'accounts_lower_name_idx', 'crm_links_lower_domain_idx']) {
    await sql`drop index if exists ${sql.ref(index)}`.execute(db);
  }
}
