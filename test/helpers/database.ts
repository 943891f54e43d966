import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.js';
import { ensureDatabase } from '../../src/stack/embedded-postgres.js';

export interface TestDatabase {
  db: Database;
  url: string;
  name: string;
  destroy(): Promise<void>;
}

/** A fresh, migrated database of the real test PostgreSQL server, for one test file. */
export async function createTestDatabase(poolSize = 20): Promise<TestDatabase> {
  const adminUrl = inject('postgresAdminUrl');
  const name = `t_${randomBytes(6).toString('hex')}`;
  await ensureDatabase(adminUrl, name, inject('templateDatabase'));
  const url = adminUrl.replace(/\/postgres$/, `/${name}`);
  const db = createDatabase({ connectionString: url, poolSize, applicationName: `test-${name}` });
  return {
    db,
    url,
    name,
    async destroy() {
      await db.destroy();
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
      await admin.end();
    },
  };
}
