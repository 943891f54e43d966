import { sql, type Kysely } from 'kysely';

/**
 * Browser session tokens (issue 15): short-lived, bound to one account, stored
 * like API keys (only a SHA-256 of the secret), so every API process sharing
 * the database verifies them and no signing secret has to be distributed.
 * Expired rows are pruned when new tokens are issued. Frozen once on main.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('session_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('secret_hash', 'bytea', (c) => c.notNull())
    .addColumn('scopes', sql`text[]`, (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('issued_by_key_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('session_tokens_expiry_after_creation', sql`expires_at > created_at`)
    .execute();
  await db.schema.createIndex('session_tokens_expiry_idx').on('session_tokens').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('session_tokens').ifExists().execute();
}
