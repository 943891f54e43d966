import { Worker, type NativeConnection, type WorkerOptions as SdkWorkerOptions, type WorkflowBundleOption } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { temporalWorkerTracing } from '../src/observability/tracing.js';
import { bundlerOptions, prebuiltBundlePath, tracingInterceptorsPath, workflowsPath } from './bundle.js';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (tests bundle once per file); otherwise the one `npm run build` wrote, or the sources bundled at start. */
  workflowBundle?: WorkflowBundleOption;
}

/**
 * The workflow code: given, built ahead of time by `npm run build` (beside the
 * compiled worker, with or without the tracing interceptors), or bundled at
 * start from the sources.
 */
function workflowCode(given: WorkflowBundleOption | undefined, traced: boolean): Partial<SdkWorkerOptions> {
  if (given) return { workflowBundle: given };
  const prebuilt = prebuiltBundlePath(traced);
  if (existsSync(prebuilt)) return { workflowBundle: { codePath: prebuilt } };
  return { workflowsPath, bundlerOptions };
}

export async function createBurndownWorker(options: WorkerOptions): Promise<Worker> {
  const tracing = temporalWorkerTracing();
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.deps),
    ...workflowCode(options.workflowBundle, tracing !== undefined),
    ...(tracing && {
      interceptors: { ...tracing.interceptors, workflowModules: [tracingInterceptorsPath] },
      sinks: tracing.sinks,
    }),
    // Let in-flight activities finish on SIGTERM before the worker stops.
    shutdownGraceTime: '20 seconds',
  });
}
