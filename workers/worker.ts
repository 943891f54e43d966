import { Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { bundlerOptions, workflowsPath } from './bundle.js';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (tests bundle once per file); otherwise bundled at start. */
  workflowBundle?: WorkflowBundleWithSourceMap;
}

export async function createBurndownWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.deps),
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath, bundlerOptions }),
    // Let in-flight activities finish on SIGTERM before the worker stops.
    shutdownGraceTime: '20 seconds',
  });
}
