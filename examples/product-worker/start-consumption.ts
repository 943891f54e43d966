/**
 * A product service starting a consumption with the Temporal client directly
 * (no HTTP), with Burndown's typed definitions:
 *
 *   npx tsx examples/product-worker/start-consumption.ts <accountId> <feature> <estimate> [address] [burndown-task-queue] [product-task-queue]
 *
 * Prints the reservation (reserved, or rejected with the shortfall), then the outcome.
 */
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { consumptionWorkflowId } from '../../src/consumption/ids.js';
import {
  CONSUMPTION_WORKFLOW_TYPE,
  reservationUpdate,
  type ConsumptionInput,
  type ConsumptionOutcome,
} from '../../src/contracts/consumption.js';

export async function startConsumption(client: Client, burndownTaskQueue: string, input: Omit<ConsumptionInput, 'consumptionId'>) {
  const consumptionId = consumptionWorkflowId(input.accountId, input.idempotencyKey);
  const start = new WithStartWorkflowOperation(CONSUMPTION_WORKFLOW_TYPE, {
    workflowId: consumptionId,
    taskQueue: burndownTaskQueue,
    args: [{ ...input, consumptionId }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  const reservation = await client.workflow.executeUpdateWithStart(reservationUpdate, { startWorkflowOperation: start });
  return { reservation, outcome: () => client.workflow.getHandle(consumptionId).result() as Promise<ConsumptionOutcome> };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [accountId, feature, estimate, address = '127.0.0.1:7233', burndownQueue = 'burndown', productQueue = 'product-chat'] =
    process.argv.slice(2);
  if (!accountId || !feature || !estimate)
    throw new Error('usage: start-consumption.ts <accountId> <feature> <estimate> [address] [burndown-task-queue] [product-task-queue]');
  const client = new Client({ connection: await Connection.connect({ address }) });
  const { reservation, outcome } = await startConsumption(client, burndownQueue, {
    accountId,
    feature,
    estimate,
    idempotencyKey: randomUUID(),
    execute: { mode: 'activity', taskQueue: productQueue },
    actor: 'example-product',
  });
  console.log('reservation', reservation);
  if (reservation.status === 'reserved') console.log('outcome', await outcome());
  await client.connection.close();
}
