/**
 * The whole stack in one process on embedded defaults: PostgreSQL and the
 * Temporal dev server (unless DATABASE_URL / TEMPORAL_ADDRESS are set), the
 * migrations, the worker and the API, and stripe-mock and the HubSpot fake
 * when no credentials are set (src/runtime/sandbox.ts). Ctrl-C drains the
 * worker, closes the API and stops every server it started.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createApiKey } from '../auth/api-keys.js';
import { loadConfig } from '../config/config.js';
import type { Database } from '../db/database.js';
import { createLogger, flushLogger } from '../logger.js';
import { startWorker } from '../../workers/start.js';
import { startApi } from '../runtime/api.js';
import { openAreas } from '../runtime/areas.js';
import { openCore } from '../runtime/core.js';
import { startInfrastructure } from '../runtime/infrastructure.js';
import { startSandbox } from '../runtime/sandbox.js';
import { onShutdownSignal, runMain } from './main.js';

/** A local admin key, kept in DATA_DIR so the README's curl walkthrough works across restarts. */
async function localAdminKey(db: Database, dataDir: string, configured: string | undefined): Promise<string> {
  const file = join(dataDir, 'local-admin-key');
  const token =
    configured ??
    (await readFile(file, 'utf8').then(
      (t) => t.trim(),
      () => undefined,
    ));
  // A bd_test_… token (BOOTSTRAP_ADMIN_KEY or the saved one) makes a test-mode admin, as its prefix says.
  const mode = token?.startsWith('bd_test_') ? 'test' : 'live';
  const key = await createApiKey(db, { name: 'local admin (dev stack)', subject: 'local-admin', scopes: ['admin'], mode }, token);
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${key.token}\n`, { mode: 0o600 });
  return key.token;
}

runMain(async () => {
  const started = Date.now();
  const logger = createLogger(loadConfig().LOG_LEVEL, 'burndown');
  // No Stripe or HubSpot credentials: local stand-ins, so every flow works offline.
  const sandbox = await startSandbox(process.env, logger);
  const config = loadConfig({ ...process.env, ...sandbox.env });
  const infra = await startInfrastructure(config, logger, true).catch(async (error: unknown) => {
    await sandbox.stop();
    throw error;
  });
  const core = await openCore(config, logger, infra, 'burndown-dev');
  const areas = openAreas(core);
  const worker = await startWorker(core, areas);
  const api = await startApi(core, areas);
  sandbox.deliverTo(api.url);
  const adminKey = await localAdminKey(core.db, config.DATA_DIR, config.BOOTSTRAP_ADMIN_KEY);

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down: draining worker, closing API, stopping servers');
    // Each step says when it is done, so a shutdown that hangs shows where.
    await api.close();
    logger.info('API closed');
    await worker.drain().catch((error: unknown) => logger.error({ err: error }, 'worker stopped with an error'));
    logger.info('worker drained');
    await core.close();
    logger.info('connections closed');
    await infra.stop();
    logger.info('PostgreSQL and Temporal stopped');
    await sandbox.stop();
    logger.info('stopped');
    await flushLogger(logger);
  };
  onShutdownSignal(shutdown);
  worker.done.catch(async (error: unknown) => {
    logger.fatal({ err: error }, 'worker crashed; stopping');
    await shutdown('worker-crash').finally(() => process.exit(1));
  });

  console.error(
    [
      '',
      `Burndown is up in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      `  API           ${api.url}   (docs: ${api.url}/docs)`,
      `  Temporal UI   ${infra.temporalUiUrl ?? '(external Temporal: ' + infra.temporalAddress + ')'}`,
      `  Admin key     ${adminKey}`,
      ...sandbox.notes.map((note) => `  ${note}`),
      `  Try:          curl -s ${api.url}/readyz`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
});
