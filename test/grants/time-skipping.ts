import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { ActivityDeps } from '../../activities/index.js';
import { findTimeSkippingServer } from '../../src/stack/temporal-dev-server.js';
import { bundleWorkflows } from '../../workers/bundle.js';
import { createBurndownWorker } from '../../workers/worker.js';
import type { TestClock } from '../helpers/ledger.js';

export interface TimeSkippingFixture {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  worker: Worker;
  /** Moves the ledger's test clock to the time-skipping server's current time. */
  syncClock(): Promise<Date>;
}

function installQuietRuntime() {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  } catch {
    // Already installed by another helper in this process.
  }
}

/**
 * Per test file: the time-skipping Temporal test server (a real server whose
 * clock jumps to the next timer while the workflows wait), the workflow code
 * bundled once, and a Burndown worker on its own task queue.
 */
export function useTimeSkippingWorker(
  deps: () => ActivityDeps,
  clock: () => TestClock,
  taskQueue = `grants-${randomBytes(4).toString('hex')}`,
): TimeSkippingFixture {
  const fixture = {} as TimeSkippingFixture;
  let running: Promise<void> | undefined;
  beforeAll(async () => {
    installQuietRuntime();
    fixture.env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: await findTimeSkippingServer() } },
    });
    fixture.taskQueue = taskQueue;
    fixture.worker = await createBurndownWorker({
      connection: fixture.env.nativeConnection,
      namespace: fixture.env.namespace ?? 'default',
      taskQueue: fixture.taskQueue,
      deps: deps(),
      workflowBundle: await bundleWorkflows(),
    });
    running = fixture.worker.run();
    fixture.syncClock = async () => {
      const now = new Date(await fixture.env.currentTimeMs());
      clock().set(now);
      return now;
    };
  });
  afterAll(async () => {
    if (fixture.worker?.getState() === 'RUNNING') fixture.worker.shutdown();
    await running;
    await fixture.env?.teardown();
  });
  return fixture;
}
