import { Worker, type NativeConnection } from '@temporalio/worker';
import { createProductActivities, type ProductJob } from './activities.js';

export interface ProductWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  /** The product's own task queue; consumptions name it in `execute.taskQueue`. */
  taskQueue: string;
  job: ProductJob;
}

/**
 * A product service's own Temporal worker: activities only, no workflows. It
 * runs the execute step of Burndown's consumption saga on the product's task
 * queue, next to the product's code and data.
 */
export async function createProductWorker(options: ProductWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue,
    activities: createProductActivities(options.job),
  });
}
