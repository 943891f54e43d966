import { DefaultLogger, NativeConnection, Runtime, type LogLevel, type Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../activities/index.js';
import type { Logger } from '../src/logger.js';
import { scheduleTable, type Areas } from '../src/runtime/areas.js';
import type { Core } from '../src/runtime/core.js';
import { ensureSchedule } from '../src/runtime/schedules.js';
import { createBurndownWorker } from './worker.js';

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
  };
}

/** Ensures every area's Schedules, then runs the Burndown worker on TEMPORAL_TASK_QUEUE. */
export async function startWorker(core: Core, areas: Areas): Promise<RunningWorker> {
  const { config } = core;
  installTemporalRuntime(core.logger);
  for (const schedule of scheduleTable(areas)) await ensureSchedule(core.temporal, config.TEMPORAL_TASK_QUEUE, schedule);
  const connection = await NativeConnection.connect({ address: core.temporalAddress });
  const worker = await createBurndownWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps: await activityDeps(areas),
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
