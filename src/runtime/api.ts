import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { createApp } from '../api/app.js';
import type { ApiDeps } from '../api/deps.js';
import { apiSessionName } from '../api/idempotency.js';
import { createApiKeyVerifier } from '../auth/api-keys.js';
import { startMetricsServer, type MetricsEndpoint } from '../observability/metrics-server.js';
import type { Areas } from './areas.js';
import type { Core } from './core.js';

export interface RunningApi {
  url: string;
  /** The API process's GET /metrics on its own listener (METRICS_LISTEN=host:port), unless public or off. */
  metrics: MetricsEndpoint | undefined;
  close(): Promise<void>;
}

/** The HTTP API over the core and the areas, listening on HOST:PORT, and its /metrics listener. */
export async function startApi(core: Core, areas: Areas): Promise<RunningApi> {
  const { config } = core;
  const publicUrl = () => config.PUBLIC_URL ?? `http://${config.HOST}:${port}`;
  let port = config.PORT;
  const ledger = areas.ledger.deps;
  // The listener's session is this process's presence: while it is connected, its in-flight claims are its own.
  const instance = randomBytes(8).toString('hex');
  const verifyApiKey = createApiKeyVerifier(core.db, {
    listenUrl: core.databaseUrl,
    maxEntries: config.API_KEY_CACHE_SIZE,
    logger: core.logger,
    sessionName: apiSessionName(instance),
  });
  const { wakeMetering } = await areas.consumption.api();
  const deps: ApiDeps = {
    config,
    logger: core.logger,
    ledger,
    temporal: core.temporal,
    verifyApiKey,
    instance,
    enforcement: core.enforcement,
    problemContext: { buyCreditsUrl: (accountId) => `${publicUrl()}/v1/accounts/${encodeURIComponent(accountId)}/purchases` },
    payments: await areas.payments.api(ledger),
    wakeMetering,
  };
  const app = createApp(deps);
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.PORT, config.HOST, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : config.PORT;
  const listen = config.METRICS_LISTEN;
  const metrics = listen === 'off' || listen === 'public' ? undefined : await startMetricsServer(listen, config.METRICS_TOKEN);
  return {
    url: `http://${config.HOST}:${port}`,
    metrics,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await verifyApiKey.close();
      await wakeMetering.close();
      await metrics?.close();
    },
  };
}
