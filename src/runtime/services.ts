import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type LogLevel, type Worker } from '@temporalio/worker';
import type { Server } from 'node:http';
import { createApp } from '../api/app.js';
import type { ApiDeps } from '../api/deps.js';
import { createApiKeyVerifier } from '../auth/api-keys.js';
import type { Config } from '../config/config.js';
import { createDatabase, type Database } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import type { LedgerDeps } from '../ledger/index.js';
import type { Logger } from '../logger.js';
import { ensureSchedules } from '../temporal/schedules.js';
import { ensureFinanceReconciliationSchedule } from '../finance/schedule.js';
import { ensureOutboxRelaySchedule, notificationDepsFor, notificationObservers } from '../notifications/wiring.js';
import { crmDepsFor, ensureCrmReconcileSchedule } from '../crm/wiring.js';
import { ensureGrantExpirySweepSchedule } from '../grants/schedules.js';
import { ensureRechargeScanSchedule, paymentActivityDepsFor, paymentsApiDepsFor, rechargeObservers } from '../payments/wiring.js';
import { createBurndownWorker } from '../../workers/worker.js';

export interface Core {
  config: Config;
  logger: Logger;
  db: Database;
  ledger: LedgerDeps;
  close(): Promise<void>;
}

/** The database (migrated) and the ledger dependencies every process shares. */
export async function openCore(config: Config, logger: Logger, databaseUrl: string, applicationName: string): Promise<Core> {
  const db = createDatabase({ connectionString: databaseUrl, poolSize: config.DATABASE_POOL_SIZE, applicationName });
  const migrated = await migrateToLatest(db);
  const applied = migrated.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  const clock = () => new Date();
  return {
    config,
    logger,
    db,
    ledger: {
      db,
      clock,
      holdDefaultTtlSeconds: config.HOLD_DEFAULT_TTL_SECONDS,
      holdMaxTtlSeconds: config.HOLD_MAX_TTL_SECONDS,
      observers: [...notificationObservers(config), ...rechargeObservers()],
    },
    close: () => db.destroy(),
  };
}

export async function connectTemporalClient(config: Config, address: string): Promise<Client> {
  const connection = await Connection.connect({ address });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}

export interface RunningApi {
  url: string;
  close(): Promise<void>;
}

export async function startApi(core: Core, temporal: Client): Promise<RunningApi> {
  const { config } = core;
  const publicUrl = () => config.PUBLIC_URL ?? `http://${config.HOST}:${port}`;
  let port = config.PORT;
  const deps: ApiDeps = {
    config,
    db: core.db,
    clock: core.ledger.clock,
    logger: core.logger,
    ledger: core.ledger,
    temporal,
    verifyApiKey: createApiKeyVerifier(core.db),
    problemContext: { buyCreditsUrl: (accountId) => `${publicUrl()}/v1/accounts/${encodeURIComponent(accountId)}/purchases` },
    payments: await paymentsApiDepsFor(config, core, temporal),
  };
  const app = createApp(deps);
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.PORT, config.HOST, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : config.PORT;
  return {
    url: `http://${config.HOST}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has stopped; rejects if it crashed. */
  done: Promise<void>;
  drain(): Promise<void>;
}

let runtimeInstalled = false;

/**
 * The SDK runtime, once per process: its logs go through pino, and it installs
 * no signal handlers, because the entry point owns shutdown order.
 */
export function installTemporalRuntime(logger: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const sdkLogger = logger.child({ component: 'temporal-sdk' });
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger('WARN', (entry) => {
      const level = entry.level.toLowerCase() as Lowercase<LogLevel>;
      const log =
        level === 'trace' ? 'trace' : level === 'debug' ? 'debug' : level === 'info' ? 'info' : level === 'warn' ? 'warn' : 'error';
      sdkLogger[log]({ ...entry.meta }, entry.message);
    }),
  });
}

export async function startWorker(core: Core, temporal: Client, address: string): Promise<RunningWorker> {
  const { config } = core;
  installTemporalRuntime(core.logger);
  await ensureSchedules(temporal, config.TEMPORAL_TASK_QUEUE, config.HOLD_SWEEP_INTERVAL_SECONDS);
  await ensureOutboxRelaySchedule(temporal, config.TEMPORAL_TASK_QUEUE, config.OUTBOX_RELAY_INTERVAL_SECONDS);
  await ensureCrmReconcileSchedule(temporal, config);
  await ensureGrantExpirySweepSchedule(temporal, config.TEMPORAL_TASK_QUEUE, config.GRANT_EXPIRY_SWEEP_INTERVAL_SECONDS);
  await ensureRechargeScanSchedule(temporal, config.TEMPORAL_TASK_QUEUE, config.RECHARGE_SCAN_INTERVAL_SECONDS);
  await ensureFinanceReconciliationSchedule(temporal, config.TEMPORAL_TASK_QUEUE, config.FINANCE_RECONCILE_CRON);
  await (
    await import('../consumption/schedule.js')
  ).ensureMeteringSchedule(temporal, config.TEMPORAL_TASK_QUEUE, config.METERING_INTERVAL_SECONDS);
  const connection = await NativeConnection.connect({ address });
  const worker = await createBurndownWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps: {
      ledger: core.ledger,
      finance: (await import('../finance/settings.js')).financeSettings(config),
      payments: await paymentActivityDepsFor(config, core, temporal),
      notifications: notificationDepsFor(config, core.db, temporal),
      crm: crmDepsFor(config, core.db),
      consumption: await (await import('../consumption/wiring.js')).consumptionDepsFor(core),
    },
  });
  const done = worker.run().finally(() => connection.close());
  return {
    worker,
    done,
    async drain() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
