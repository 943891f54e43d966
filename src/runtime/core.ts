import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/config.js';
import { createDatabase, createPool, type Database } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import type { Logger } from '../logger.js';
import { onDatabaseQuery } from '../observability/db-telemetry.js';
import { watchProcessState } from '../observability/state-gauges.js';
import { startTracing, temporalClientInterceptors } from '../observability/tracing.js';
import { temporalConnectionOptions } from './temporal-connection.js';
import { enforcementDefaults } from '../settings/enforcement.js';
import { openLiveEnforcement, type LiveEnforcement } from '../settings/live-enforcement.js';

/** What every area of a process is built on: configuration, logger, the database, one clock and a Temporal client. */
export interface Core {
  config: Config;
  logger: Logger;
  db: Database;
  /** The one clock of the process: the ledger, notifications and CRM read the time through it. */
  clock: () => Date;
  temporal: Client;
  temporalAddress: string;
  /** The database's URL, for connections of their own (LISTEN). */
  databaseUrl: string;
  /** The global enforcement settings, kept current in this process (LISTEN/NOTIFY, re-read as a fallback). */
  enforcement: LiveEnforcement;
  /** Closes the settings listener, the Temporal connection, then the database pool, then flushes traces. */
  close(): Promise<void>;
}

/**
 * Opens the database (migrated to the latest version) and connects to
 * Temporal, with the process's telemetry: tracing when OTEL_* asks for it
 * (started first, so the Temporal client carries traces), statement telemetry
 * on the database, and the scrape-time gauges over this pool and connection.
 */
export async function openCore(
  config: Config,
  logger: Logger,
  servers: { databaseUrl: string; temporalAddress: string },
  applicationName: string,
): Promise<Core> {
  const tracing = startTracing(config, applicationName);
  if (tracing) logger.info('tracing on (OpenTelemetry)');
  const options = { connectionString: servers.databaseUrl, poolSize: config.DATABASE_POOL_SIZE, applicationName, onQuery: onDatabaseQuery };
  const pool = createPool(options);
  const db = createDatabase(options, pool);
  const migrated = await migrateToLatest(db);
  const applied = migrated.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  const temporal = new Client({
    connection: await Connection.connect(temporalConnectionOptions(config, servers.temporalAddress)),
    namespace: config.TEMPORAL_NAMESPACE,
    interceptors: { workflow: temporalClientInterceptors() },
  });
  watchProcessState({ db, pool, temporal });
  const enforcement = await openLiveEnforcement(db, { defaults: enforcementDefaults(config), listenUrl: servers.databaseUrl, logger });
  return {
    config,
    logger,
    db,
    clock: () => new Date(),
    temporal,
    temporalAddress: servers.temporalAddress,
    databaseUrl: servers.databaseUrl,
    enforcement,
    async close() {
      await enforcement.close();
      await temporal.connection.close();
      await db.destroy();
      await tracing?.shutdown(); // flushes the spans still buffered
    },
  };
}
