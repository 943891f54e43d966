/** Child process for the Temporal baseline: a worker running only noopWorkflow. */
import { NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';

const [address, taskQueue] = process.argv.slice(2) as [string, string];
const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection,
  taskQueue,
  workflowsPath: fileURLToPath(new URL('./noop-workflow.ts', import.meta.url)),
  activities: { noop: () => Promise.resolve() },
});
process.on('SIGTERM', () => worker.shutdown());
console.log('ready');
await worker.run();
await connection.close();
