import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { createDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createLogger } from '../src/logger.js';
import { ensureDatabase, startEmbeddedPostgres } from '../src/stack/embedded-postgres.js';
import { startTemporalDevServer } from '../src/stack/temporal-dev-server.js';
import { freeLoopbackPort } from '../src/stack/free-port.js';

export const TEMPLATE_DATABASE = 'burndown_test_template';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    templateDatabase: string;
    temporalAddress: string;
  }
}

/**
 * Real servers for the whole run: one embedded PostgreSQL (each test file gets
 * its own database cloned from a migrated template) and one Temporal dev
 * server. Both are throw-away and stopped when the run ends.
 */
export default async function setup(project: TestProject) {
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn', 'test-setup');
  const dataDir = resolve('.data', `test-${process.pid}`);
  await rm(dataDir, { recursive: true, force: true });

  const [pgPort, temporalPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
  const [postgres, temporal] = await Promise.all([
    startEmbeddedPostgres({ dataDir, port: pgPort, database: TEMPLATE_DATABASE, logger, unsafeFast: true }),
    startTemporalDevServer({ dataDir, port: temporalPort, uiPort: 0, logger, ephemeral: true, headless: true }),
  ]);

  const template = createDatabase({ connectionString: postgres.url, poolSize: 2, applicationName: 'test-migrate' });
  await migrateToLatest(template);
  await template.destroy();
  await ensureDatabase(postgres.adminUrl, TEMPLATE_DATABASE);

  project.provide('postgresAdminUrl', postgres.adminUrl);
  project.provide('templateDatabase', TEMPLATE_DATABASE);
  project.provide('temporalAddress', temporal.address);

  return async () => {
    await Promise.allSettled([postgres.stop(), temporal.stop()]);
    await rm(dataDir, { recursive: true, force: true });
  };
}
