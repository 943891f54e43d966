import { sql, type Kysely } from 'kysely';

/**
 * ledger_transactions.result keeps the result's exact text (json, not jsonb):
 * a replay answers with the first result byte for byte, keys in the order
 * they were written, and the HTTP Idempotency-Key record a ledger-level
 * replay completes holds that same text (jsonb re-orders keys and adds
 * spaces). Rows written before keep their content, rendered compactly
 * (JSON.stringify's form) in jsonb's key order. Rewrites the table once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table ledger_transactions alter column result type json using ledger_render_json(result, false)::json`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table ledger_transactions alter column result type jsonb using result::jsonb`.execute(db);
}
