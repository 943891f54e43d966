import { DefaultLogger, NativeConnection, Runtime, type LogLevel, type Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../activities/index.js';
import type { Logger } from '../src/logger.js';
import { scrapeOf, startMetricsServer, type MetricsEndpoint } from '../src/observability/metrics-server.js';
import { loopTable, scheduleTable, startWorkerSideTasks, type Areas } from '../src/runtime/areas.js';
import type { Core } from '../src/runtime/core.js';
import { ensureLoop } from '../src/runtime/loops.js';
import { ensureSchedule } from '../src/runtime/schedules.js';
import { temporalConnectionOptions } from '../src/runtime/temporal-connection.js';
import { createBurndownWorker } from './worker.js';
import { freeLoopbackPort } from '../src/stack/free-port.js';

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has stopped; rejects if it crashed. */
  done: Promise<void>;
  /** The worker's GET /metrics (WORKER_METRICS_LISTEN), unless off. */
  metrics: MetricsEndpoint | undefined;
  drain(): Promise<void>;
}

let runtimeMetricsUrl: string | undefined;
let runtimeInstalled = false;

/**
 * The SDK runtime, once per process: its logs go through pino, it installs no
 * signal handlers (the entry point owns shutdown order), and its own worker
 * metrics (task slots, poll and schedule-to-start latencies, workflow and
 * activity outcomes) are exported in Prometheus format on a loopback port
 * that the worker's /metrics reads. Returns that exporter's URL.
 */
export async function installTemporalRuntime(logger: Logger, sdkMetricsPort = 0): Promise<string | undefined> {
  if (runtimeInstalled) return runtimeMetricsUrl;
  runtimeInstalled = true;
  const port = sdkMetricsPort || (await freeLoopbackPort());
  const bindAddress = `127.0.0.1:${port}`;
  const sdkLogger = logger.child({ component: 'temporal-sdk' });
  Runtime.install({
    shutdownSignals: [],
    telemetryOptions: {
      metrics: { prometheus: { bindAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } },
    },
    logger: new DefaultLogger('WARN', (entry) => {
      const level = entry.level.toLowerCase() as Lowercase<LogLevel>;
      const log =
        level === 'trace' ? 'trace' : level === 'debug' ? 'debug' : level === 'info' ? 'info' : level === 'warn' ? 'warn' : 'error';
      sdkLogger[log]({ ...entry.meta }, entry.message);
    }),
  });
  runtimeMetricsUrl = `http://${bindAddress}/metrics`;
  return runtimeMetricsUrl;
}

/** What the activities need, area by area. */
async function activityDeps(areas: Areas): Promise<ActivityDeps> {
  const ledger = areas.ledger.deps;
  return {
    ledger,
    finance: areas.finance.activities(),
    payments: await areas.payments.activities(ledger),
    notifications: areas.notifications.activities(),
    crm: areas.crm.activities(),
    consumption: await areas.consumption.activities(ledger),
    audit: areas.audit.activities(),
  };
}

/**
 * Ensures every area's Schedules and loops (deleting the Schedules the loops
 * replace), then runs the Burndown worker on TEMPORAL_TASK_QUEUE with the
 * LISTEN that wakes the outbox relay.
 */
export async function startWorker(core: Core, areas: Areas): Promise<RunningWorker> {
  const { config } = core;
  const sdkMetrics = await installTemporalRuntime(core.logger, config.TEMPORAL_SDK_METRICS_PORT);
  for (const schedule of scheduleTable(areas)) await ensureSchedule(core.temporal, config.TEMPORAL_TASK_QUEUE, schedule);
  for (const loop of loopTable(areas)) await ensureLoop(core.temporal, config.TEMPORAL_TASK_QUEUE, loop);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config, core.temporalAddress));
  const worker = await createBurndownWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps: await activityDeps(areas),
  });
  const metrics =
    config.WORKER_METRICS_LISTEN === 'off'
      ? undefined
      : await startMetricsServer(
          config.WORKER_METRICS_LISTEN,
          config.METRICS_TOKEN,
          sdkMetrics ? scrapeOf(sdkMetrics) : undefined,
          () => worker.getState() === 'RUNNING',
        );
  const sideTasks = startWorkerSideTasks(areas);
  const done = worker.run().finally(async () => {
    for (const task of sideTasks) await task.close();
    await metrics?.close();
    await connection.close();
  });
  return {
    worker,
    done,
    metrics,
    async drain() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
