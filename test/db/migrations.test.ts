import { Migrator } from 'kysely';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { ensureDatabase } from '../../src/stack/embedded-postgres.js';
import { migrations } from '../../migrations/index.js';

const adminUrl = inject('postgresAdminUrl');
const name = `m_${randomBytes(6).toString('hex')}`;
const db = createDatabase({
  connectionString: adminUrl.replace(/\/postgres$/, `/${name}`),
  poolSize: 2,
  applicationName: 'migrations-test',
});

afterAll(async () => {
  await db.destroy();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
  await admin.end();
});

describe('migrations (real PostgreSQL)', () => {
  it('run a migration that landed after a later-named one had already run (parallel branches)', async () => {
    await ensureDatabase(adminUrl, name);
    const names = Object.keys(migrations).sort();
    const landedLate = names[names.length - 2]!;
    // A database that ran every migration except one that sorts before the newest.
    const without = Object.fromEntries(Object.entries(migrations).filter(([n]) => n !== landedLate));
    await new Migrator({ db, provider: { getMigrations: () => Promise.resolve(without) } }).migrateToLatest();

    const result = await migrateToLatest(db);
    expect(result.results?.map((r) => [r.migrationName, r.status])).toEqual([[landedLate, 'Success']]);
    const ran = await db
      .selectFrom('kysely_migration' as never)
      .select('name' as never)
      .execute();
    expect(ran).toHaveLength(names.length);
  });

  it('refuse a database whose encoding is not UTF8: the hash chain is defined over UTF-8 text', async () => {
    const ascii = `${name}_ascii`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${pg.escapeIdentifier(ascii)} encoding 'SQL_ASCII' lc_collate 'C' lc_ctype 'C' template template0`);
    const asciiDb = createDatabase({
      connectionString: adminUrl.replace(/\/postgres$/, `/${ascii}`),
      poolSize: 1,
      applicationName: 'migrations-test',
    });
    try {
      await expect(migrateToLatest(asciiDb)).rejects.toThrow(/server_encoding.*UTF8/);
    } finally {
      await asciiDb.destroy();
      await admin.query(`drop database if exists ${pg.escapeIdentifier(ascii)} with (force)`);
      await admin.end();
    }
  });
});
