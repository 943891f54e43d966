/**
 * Creates the "Burndown credits" property group and the Burndown-owned company
 * properties in HubSpot when they are missing (one set per credit type; re-run
 * after adding a credit type):
 *   HUBSPOT_ACCESS_TOKEN=pat-… npm run hubspot:setup
 */
import { loadConfig } from '../config/config.js';
import { createHubSpotGateway } from '../crm/hubspot-gateway.js';
import { setupHubSpotProperties } from '../crm/setup.js';
import { createDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { createLogger } from '../logger.js';
import { startEmbeddedPostgres } from '../stack/embedded-postgres.js';
import { runMain, UsageError } from './main.js';

runMain(async () => {
  const config = loadConfig();
  if (!config.HUBSPOT_ACCESS_TOKEN)
    throw new UsageError('HUBSPOT_ACCESS_TOKEN is not set: create a private app in HubSpot (see docs/HUBSPOT.md) and export its token.');
  const logger = createLogger('warn', 'burndown-hubspot-setup');
  const embedded = config.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({
        dataDir: config.DATA_DIR,
        port: config.EMBEDDED_POSTGRES_PORT,
        database: 'burndown',
        logger,
        reuseRunning: true,
      });
  const db = createDatabase({
    connectionString: config.DATABASE_URL ?? embedded!.url,
    poolSize: 2,
    applicationName: 'burndown-hubspot-setup',
  });
  try {
    await migrateToLatest(db);
    const gateway = createHubSpotGateway({ accessToken: config.HUBSPOT_ACCESS_TOKEN, basePath: config.HUBSPOT_BASE_URL });
    const { created, total } = await setupHubSpotProperties(db, gateway);
    console.log(
      created.length === 0
        ? `All ${total} Burndown properties already exist.`
        : `Created ${created.length} of ${total} properties: ${created.join(', ')}`,
    );
  } finally {
    await db.destroy();
    await embedded?.stop();
  }
});
