/** The worker alone, against DATABASE_URL and TEMPORAL_ADDRESS. */
import { onShutdownSignal, runMain } from '../src/cli/main.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/logger.js';
import { startInfrastructure } from '../src/runtime/infrastructure.js';
import { connectTemporalClient, openCore, startWorker } from '../src/runtime/services.js';

runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'burndown-worker');
  const infra = await startInfrastructure(config, logger, false);
  const core = await openCore(config, logger, infra.databaseUrl, 'burndown-worker');
  const temporal = await connectTemporalClient(config, infra.temporalAddress);
  const worker = await startWorker(core, temporal, infra.temporalAddress);
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker running');
  onShutdownSignal(async () => {
    await worker.drain();
    await temporal.connection.close();
    await core.close();
  });
  await worker.done;
});
