/** Runs pending migrations against DATABASE_URL (or the embedded server) and exits. */
import { loadConfig } from '../config/config.js';
import { createDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { createLogger } from '../logger.js';
import { startEmbeddedPostgres } from '../stack/embedded-postgres.js';
import { runMain } from './main.js';

runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'burndown-migrate');
  const embedded = config.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({
        dataDir: config.DATA_DIR,
        port: config.EMBEDDED_POSTGRES_PORT,
        database: 'burndown',
        logger,
        reuseRunning: true,
      });
  const db = createDatabase({ connectionString: config.DATABASE_URL ?? embedded!.url, poolSize: 2, applicationName: 'burndown-migrate' });
  try {
    const result = await migrateToLatest(db);
    for (const r of result.results ?? []) console.log(`${r.status}\t${r.migrationName}`);
    if (!result.results?.length) console.log('Database is up to date.');
  } finally {
    await db.destroy();
    await embedded?.stop();
  }
});
