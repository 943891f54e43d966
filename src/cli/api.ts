/** The API alone, against DATABASE_URL and TEMPORAL_ADDRESS (scale it separately from the worker). */
import { loadConfig } from '../config/config.js';
import { createLogger, flushLogger } from '../logger.js';
import { startApi } from '../runtime/api.js';
import { openAreas } from '../runtime/areas.js';
import { openCore } from '../runtime/core.js';
import { startInfrastructure } from '../runtime/infrastructure.js';
import { onShutdownSignal, runMain } from './main.js';

runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'burndown-api');
  const infra = await startInfrastructure(config, logger, false);
  const core = await openCore(config, logger, infra, 'burndown-api');
  const api = await startApi(core, openAreas(core));
  logger.info({ url: api.url }, 'API listening');
  onShutdownSignal(async () => {
    await api.close();
    await core.close();
    await flushLogger(logger);
  });
});
