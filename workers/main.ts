/** The worker alone, against DATABASE_URL and TEMPORAL_ADDRESS. */
import { onShutdownSignal, runMain } from '../src/cli/main.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger, flushLogger } from '../src/logger.js';
import { openAreas } from '../src/runtime/areas.js';
import { openCore } from '../src/runtime/core.js';
import { startInfrastructure } from '../src/runtime/infrastructure.js';
import { existsSync } from 'node:fs';
import { tracingActive } from '../src/observability/tracing.js';
import { prebuiltBundlePath } from './bundle.js';
import { startWorker } from './start.js';

runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'burndown-worker');
  const infra = await startInfrastructure(config, logger, false);
  const core = await openCore(config, logger, infra, 'burndown-worker');
  const worker = await startWorker(core, openAreas(core));
  // Compiled (`npm run build`), the worker loads the workflow bundle built ahead of time; from source, it bundles at start.
  const workflowCode = existsSync(prebuiltBundlePath(tracingActive())) ? 'prebuilt bundle' : 'bundled at start';
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, workflowCode }, 'worker running');
  onShutdownSignal(async () => {
    await worker.drain();
    await core.close();
    await flushLogger(logger);
  });
  await worker.done;
});
