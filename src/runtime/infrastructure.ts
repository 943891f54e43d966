import type { Config } from '../config/config.js';
import { ConfigError } from '../config/config.js';
import type { Logger } from '../logger.js';
import { startEmbeddedPostgres } from '../stack/embedded-postgres.js';
import { startTemporalDevServer } from '../stack/temporal-dev-server.js';

export interface Infrastructure {
  databaseUrl: string;
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  /** What this process started, to be stopped on shutdown, in reverse order. */
  stop(): Promise<void>;
}

/**
 * PostgreSQL and Temporal: the configured ones, or embedded ones started here
 * (only when `embedded` is allowed, i.e. by the all-in-one run command).
 */
export async function startInfrastructure(config: Config, logger: Logger, embedded: boolean): Promise<Infrastructure> {
  const missing = [
    !config.DATABASE_URL && 'DATABASE_URL (example: postgres://burndown:secret@localhost:5432/burndown)',
    !config.TEMPORAL_ADDRESS && 'TEMPORAL_ADDRESS (example: localhost:7233)',
  ].filter(Boolean) as string[];
  if (!embedded && missing.length > 0) {
    throw new ConfigError(
      missing.map((m) => `${m} is missing: a separate API or worker process needs it; \`npm start\` runs everything on embedded servers`),
    );
  }
  const stops: (() => Promise<void>)[] = [];
  try {
    const starting = [
      config.DATABASE_URL
        ? Promise.resolve(undefined)
        : startEmbeddedPostgres({ dataDir: config.DATA_DIR, port: config.EMBEDDED_POSTGRES_PORT, database: 'burndown', logger }).then(
            (pg) => {
              stops.push(pg.stop);
              return pg;
            },
          ),
      config.TEMPORAL_ADDRESS
        ? Promise.resolve(undefined)
        : startTemporalDevServer({
            dataDir: config.DATA_DIR,
            port: config.TEMPORAL_DEV_PORT,
            uiPort: config.TEMPORAL_UI_PORT,
            cliPath: config.TEMPORAL_CLI_PATH,
            logger,
          }).then((t) => {
            stops.push(t.stop);
            return t;
          }),
    ] as const;
    // Both finish (started or failed) before a failure is acted on: a PostgreSQL that fails at once must not leave
    // a Temporal server starting behind the catch below, orphaned.
    await Promise.allSettled(starting);
    const [postgres, temporal] = await Promise.all(starting);
    return {
      databaseUrl: config.DATABASE_URL ?? postgres!.url,
      temporalAddress: config.TEMPORAL_ADDRESS ?? temporal!.address,
      temporalUiUrl: temporal?.uiUrl,
      async stop() {
        await Promise.allSettled(stops.reverse().map((stop) => stop()));
      },
    };
  } catch (error) {
    await Promise.allSettled(stops.map((stop) => stop()));
    throw error;
  }
}
