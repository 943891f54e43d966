/**
 * Runs the example product worker against a Temporal server:
 *
 *   npx tsx examples/product-worker/main.ts [temporal-address] [task-queue]
 *
 * defaults 127.0.0.1:7233 and `product-chat`. Then start consumptions with
 * `execute: {mode: "activity", taskQueue: "product-chat"}` (curl) or with the
 * Temporal client (examples/product-worker/start-consumption.ts).
 */
import { NativeConnection } from '@temporalio/worker';
import { exampleChatJob } from './activities.js';
import { createProductWorker } from './worker.js';

const [address = '127.0.0.1:7233', taskQueue = 'product-chat'] = process.argv.slice(2);
const connection = await NativeConnection.connect({ address });
const worker = await createProductWorker({ connection, taskQueue, job: exampleChatJob });
console.log(`product worker on task queue ${taskQueue} at ${address}; Ctrl-C to stop`);
process.once('SIGINT', () => worker.shutdown());
await worker.run();
await connection.close();
