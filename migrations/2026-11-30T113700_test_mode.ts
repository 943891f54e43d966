import { sql, type Kysely } from 'kysely';

/**
 * Test mode (issue 16, R-O3), as Stripe has it: every account, API key,
 * session token and webhook endpoint is `live` or `test`. A tenant column
 * (docs/TEST-MODE.md says why not a schema or a database): everything else
 * an account owns reaches its mode through the account. Existing rows are
 * live. A row's mode never changes, so API processes may cache an account's.
 */
const TABLES = ['accounts', 'api_keys', 'session_tokens', 'webhook_endpoints'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) {
    await db.schema
      .alterTable(table)
      .addColumn('mode', 'text', (c) =>
        c
          .notNull()
          .defaultTo('live')
          .check(sql`mode in ('live', 'test')`),
      )
      .execute();
  }
  // Lists filter by mode; test accounts are few, so a partial index finds them without costing live writes much.
  await db.schema.createIndex('accounts_test_mode_idx').on('accounts').column('id').where(sql.ref('mode'), '=', 'test').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('accounts_test_mode_idx').ifExists().execute();
  for (const table of TABLES) await db.schema.alterTable(table).dropColumn('mode').execute();
}
