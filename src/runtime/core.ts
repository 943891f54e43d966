import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/config.js';
import { createDatabase, type Database } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import type { Logger } from '../logger.js';

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
  /** Closes the Temporal connection, then the database pool. */
  close(): Promise<void>;
}

/** Opens the database (migrated to the latest version) and connects to Temporal. */
export async function openCore(
  config: Config,
  logger: Logger,
  servers: { databaseUrl: string; temporalAddress: string },
  applicationName: string,
): Promise<Core> {
  const db = createDatabase({ connectionString: servers.databaseUrl, poolSize: config.DATABASE_POOL_SIZE, applicationName });
  const migrated = await migrateToLatest(db);
  const applied = migrated.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  const temporal = new Client({
    connection: await Connection.connect({ address: servers.temporalAddress }),
    namespace: config.TEMPORAL_NAMESPACE,
  });
  return {
    config,
    logger,
    db,
    clock: () => new Date(),
    temporal,
    temporalAddress: servers.temporalAddress,
    databaseUrl: servers.databaseUrl,
    async close() {
      await temporal.connection.close();
      await db.destroy();
    },
  };
}
