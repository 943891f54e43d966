import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, type Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, inject } from 'vitest';
import type { ActivityDeps } from '../../activities/index.js';
import { bundleWorkflows } from '../../workers/bundle.js';
import { createBurndownWorker } from '../../workers/worker.js';

let runtimeInstalled = false;
function quietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
}

export interface TemporalFixture {
  client: Client;
  nativeConnection: NativeConnection;
  taskQueue: string;
  bundle: WorkflowBundleWithSourceMap;
  worker: Worker;
}

/**
 * Per test file: the real Temporal dev server started by the global setup, the
 * workflow code bundled once, and a Burndown worker on a task queue of its own
 * running for the whole file.
 */
export function useTemporalWorker(
  deps: () => ActivityDeps,
  /** Fixed when the API under test must start workflows on it (useApi's TEMPORAL_TASK_QUEUE). */
  taskQueue = `test-${randomBytes(4).toString('hex')}`,
): TemporalFixture {
  const fixture = {} as TemporalFixture;
  let running: Promise<void> | undefined;
  beforeAll(async () => {
    quietRuntime();
    const address = inject('temporalAddress');
    fixture.taskQueue = taskQueue;
    fixture.client = new Client({ connection: await Connection.connect({ address }) });
    fixture.nativeConnection = await NativeConnection.connect({ address });
    fixture.bundle = await bundleWorkflows();
    fixture.worker = await createBurndownWorker({
      connection: fixture.nativeConnection,
      namespace: 'default',
      taskQueue: fixture.taskQueue,
      deps: deps(),
      workflowBundle: fixture.bundle,
    });
    running = fixture.worker.run();
  });
  afterAll(async () => {
    if (fixture.worker?.getState() === 'RUNNING') fixture.worker.shutdown();
    await running;
    await fixture.nativeConnection?.close();
    await fixture.client?.connection.close();
  });
  return fixture;
}

/**
 * With RECORD_HISTORIES=1, saves a finished workflow's history under
 * test/histories/ for the replay test. Commit the file: it is what keeps a
 * non-deterministic change from reaching running workflows.
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  await writeFile(new URL(`../histories/${name}.json`, import.meta.url), historyToJSON(history));
}
