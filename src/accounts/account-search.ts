import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { Mode } from '../db/schema.js';

export interface AccountSummary {
  id: string;
  name: string;
  parentId: string | null;
  hubspotDomain: string | null;
  createdAt: string;
}

/** `%` and `_` are literal in a search, not LIKE wildcards. */
const likePrefix = (text: string) => `${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * GET /v1/accounts: accounts whose id, name or linked HubSpot domain starts
 * with `query` (case-insensitive), in id order, paged by id. Each of the three
 * is one index range scan (migrations/2026-11-29T102000_account_search.ts).
 * Accounts of the key's mode only.
 */
export async function searchAccounts(
  db: Database,
  input: { query?: string | undefined; after?: string | undefined; limit: number; mode: Mode },
): Promise<{ data: AccountSummary[]; nextCursor: string | null }> {
  const pattern = input.query ? likePrefix(input.query.trim()) : undefined;
  const { rows } = await sql<{ id: string; name: string; parent_id: string | null; domain: string | null; created_at: Date }>`
    select a.id, a.name, a.parent_id, l.domain, a.created_at
    from accounts a
    left join crm_links l on l.account_id = a.id
    where a.mode = ${input.mode}
      ${
        pattern
          ? sql`and a.id in (
              select id from accounts where lower(id) like ${pattern}
              union select id from accounts where lower(name) like ${pattern}
              union select account_id from crm_links where lower(domain) like ${pattern})`
          : sql``
      }
      ${input.after ? sql`and a.id > ${input.after}` : sql``}
    order by a.id
    limit ${input.limit + 1}`.execute(db);
  const page = rows.slice(0, input.limit);
  return {
    data: page.map((r) => ({
      id: r.id,
      name: r.name,
      parentId: r.parent_id,
      hubspotDomain: r.domain,
      createdAt: r.created_at.toISOString(),
    })),
    nextCursor: rows.length > input.limit ? page[page.length - 1]!.id : null,
  };
}
