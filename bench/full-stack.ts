import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createApiKey } from '../src/auth/api-keys.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/logger.js';
import { startApi } from '../src/runtime/api.js';
import { openAreas } from '../src/runtime/areas.js';
import { openCore } from '../src/runtime/core.js';
import { startEmbeddedPostgres } from '../src/stack/embedded-postgres.js';
import { startTemporalDevServer } from '../src/stack/temporal-dev-server.js';
import { startWorker } from '../workers/start.js';

export interface FullStack {
  core: Awaited<ReturnType<typeof openCore>>;
  areas: ReturnType<typeof openAreas>;
  api: Awaited<ReturnType<typeof startApi>>;
  /** An admin key. */
  key: string;
}

/**
 * A bench's whole stack in one process, as `npm start` assembles it: embedded
 * PostgreSQL and a Temporal dev server in .data/bench-<name> (wiped first),
 * the Burndown worker and the API; stopped in order whatever `run` does.
 */
export async function withFullStack(
  name: string,
  ports: { postgres: number; temporal: number },
  env: Record<string, string>,
  run: (stack: FullStack) => Promise<void>,
): Promise<void> {
  const dataDir = resolve('.data', `bench-${name}`);
  await rm(dataDir, { recursive: true, force: true });
  const logger = createLogger('warn', 'bench');
  const postgres = await startEmbeddedPostgres({ dataDir, port: ports.postgres, database: 'burndown_bench', logger });
  const temporalServer = await startTemporalDevServer({
    dataDir,
    port: ports.temporal,
    uiPort: 0,
    logger,
    ephemeral: true,
    headless: true,
  });
  const config = loadConfig({ DATABASE_URL: postgres.url, TEMPORAL_ADDRESS: temporalServer.address, PORT: '0', LOG_LEVEL: 'warn', ...env });
  const core = await openCore(config, logger, { databaseUrl: postgres.url, temporalAddress: temporalServer.address }, 'bench');
  const areas = openAreas(core);
  const worker = await startWorker(core, areas);
  const api = await startApi(core, areas);
  try {
    const key = (await createApiKey(core.db, { name: 'bench', subject: 'bench', scopes: ['admin'] })).token;
    await run({ core, areas, api, key });
  } finally {
    await api.close();
    await worker.drain();
    await core.close();
    await temporalServer.stop();
    await postgres.stop();
  }
}
