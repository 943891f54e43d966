/** The API alone, against DATABASE_URL and TEMPORAL_ADDRESS (scale it separately from the worker). */
import { loadConfig } from '../config/config.js';
import { createLogger } from '../logger.js';
import { startInfrastructure } from '../runtime/infrastructure.js';
import { connectTemporalClient, openCore, startApi } from '../runtime/services.js';
import { onShutdownSignal, runMain } from './main.js';

runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'burndown-api');
  const infra = await startInfrastructure(config, logger, false);
  const core = await openCore(config, logger, infra.databaseUrl, 'burndown-api');
  const temporal = await connectTemporalClient(config, infra.temporalAddress);
  const api = await startApi(core, temporal);
  logger.info({ url: api.url }, 'API listening');
  onShutdownSignal(async () => {
    await api.close();
    await temporal.connection.close();
    await core.close();
  });
});
