import { WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { getBalances } from '../../src/ledger/index.js';
import {
  completeUpdate,
  CONSUMPTION_WORKFLOW_TYPE,
  reservationUpdate,
  type ConsumptionInput,
  type ConsumptionOutcome,
} from '../../src/contracts/consumption.js';
import { spawnDyingWorker } from '../helpers/dying-worker-process.js';
import { consumptionInput, fundedAccount, uniqueKey, useConsumptionStack } from './fixture.js';

/**
 * Exactly once when a worker process dies mid-saga. The ledger steps run as
 * local activities: their results live in the worker until its workflow task
 * completes, so a worker killed right after a ledger write leaves a history
 * that does not know of it; the workflow task times out, another worker runs
 * the step again, and the step's idempotency key must make that a no-op.
 */
const s = useConsumptionStack();
let bundleDir = '';

beforeAll(async () => {
  bundleDir = await mkdtemp(join(tmpdir(), 'burndown-bundle-'));
  await writeFile(join(bundleDir, 'workflows.js'), s.temporal.bundle.code);
});
afterAll(async () => {
  await rm(bundleDir, { recursive: true, force: true });
});

const available = async (accountId: string) =>
  (await getBalances(s.ledger.deps.db, accountId, s.ledger.clock.now())).balances.find((b) => b.creditType === 'ai')?.available;

const ledgerRows = (accountId: string) => ({
  holds: () => s.ledger.deps.db.selectFrom('holds').select(['id', 'status']).where('account_id', '=', accountId).execute(),
  commits: async () =>
    (
      await s.ledger.deps.db
        .selectFrom('ledger_entries')
        .select(['amount'])
        .where('account_id', '=', accountId)
        .where('entry_type', '=', 'commit')
        .execute()
    ).map((e) => e.amount),
});

/** A worker process on `taskQueue` that is SIGKILLed right after `activity`'s ledger work; resolves with the signal it died of. */
const dyingWorker = (taskQueue: string, activity: 'reserveConsumption' | 'commitConsumption') =>
  spawnDyingWorker({
    temporalAddress: inject('temporalAddress'),
    taskQueue,
    bundlePath: join(bundleDir, 'workflows.js'),
    databaseUrl: s.ledger.database.url,
    clock: s.ledger.clock.now(),
    activity,
    consumptionSettings: s.consumption.settings,
  });

/** A healthy worker for the same queue: what takes over after the death. */
const takeOver = async (taskQueue: string) =>
  Worker.create({
    connection: s.temporal.nativeConnection,
    taskQueue,
    workflowBundle: s.temporal.bundle,
    activities: createActivities({ ledger: s.ledger.deps, consumption: s.consumption }),
  });

function startSaga(input: ConsumptionInput, taskQueue: string) {
  return s.temporal.client.workflow.executeUpdateWithStart(reservationUpdate, {
    startWorkflowOperation: new WithStartWorkflowOperation(CONSUMPTION_WORKFLOW_TYPE, {
      workflowId: input.consumptionId,
      taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      // The dead worker's workflow task is retried elsewhere after this long.
      workflowTaskTimeout: '5 seconds',
    }),
  });
}

/** The ledger steps ran as local activities (markers), never as activity tasks. */
async function expectLocalLedgerSteps(handle: WorkflowHandle) {
  const { events } = JSON.parse(historyToJSON(await handle.fetchHistory())) as { events: { eventType: string }[] };
  const types = events.map((e) => e.eventType);
  expect(types).not.toContain('EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');
  expect(types).toContain('EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT');
  expect(types.filter((t) => t === 'EVENT_TYPE_MARKER_RECORDED').length).toBeGreaterThanOrEqual(2);
}

describe('consumption saga: a worker process dies right after a ledger step (real Temporal + real PostgreSQL)', () => {
  it('burns exactly once when the worker dies right after the burn and another worker takes over', async () => {
    const acct = await fundedAccount(s.ledger.deps, '10');
    const taskQueue = uniqueKey('crashy');
    const dying = await dyingWorker(taskQueue, 'commitConsumption');
    const input = consumptionInput(acct, { estimate: '3' });
    const reservation = await startSaga(input, taskQueue);
    expect(reservation.status).toBe('reserved');
    const handle = s.temporal.client.workflow.getHandle(input.consumptionId);
    const reported = handle.executeUpdate(completeUpdate, { args: [{ actualQuantity: '2' }] });
    // Worker A burned, then died before its workflow task (with the commit's marker) reached Temporal.
    expect(await dying.died).toBe('SIGKILL');
    expect(dying.said()).toContain('dying after commitConsumption');
    expect(await ledgerRows(acct).commits()).toEqual([200n]);

    // Worker B gets the workflow task again and runs the commit again: the ledger's idempotency key answers it.
    const workerB = await takeOver(taskQueue);
    const [outcome, answered] = await workerB.runUntil(Promise.all([handle.result() as Promise<ConsumptionOutcome>, reported]));
    expect(answered).toEqual(outcome);
    expect(outcome).toMatchObject({ status: 'completed', burned: '2.00' });
    expect(await ledgerRows(acct).commits()).toEqual([200n]);
    expect(await available(acct)).toBe('8.00');
    await expectLocalLedgerSteps(handle);
  });

  it('holds exactly once when the worker dies right after the hold, before the caller heard "reserved"', async () => {
    const acct = await fundedAccount(s.ledger.deps, '10');
    const taskQueue = uniqueKey('crashy');
    const dying = await dyingWorker(taskQueue, 'reserveConsumption');
    const input = consumptionInput(acct, { estimate: '3' });
    const reserving = startSaga(input, taskQueue);
    expect(await dying.died).toBe('SIGKILL');
    const [held] = await ledgerRows(acct).holds();
    expect(held).toMatchObject({ status: 'active' });
    expect(await available(acct)).toBe('7.00');

    const workerB = await takeOver(taskQueue);
    const outcome = await workerB.runUntil(async () => {
      const reservation = await reserving;
      expect(reservation).toMatchObject({ status: 'reserved', holdId: held!.id, reserved: '3.00' });
      const handle = s.temporal.client.workflow.getHandle(input.consumptionId);
      const done = await handle.executeUpdate(completeUpdate, { args: [{ actualQuantity: '2' }] });
      await expectLocalLedgerSteps(handle);
      return done;
    });
    expect(outcome).toMatchObject({ status: 'completed', burned: '2.00' });
    expect(await ledgerRows(acct).holds()).toEqual([{ id: held!.id, status: 'committed' }]);
    expect(await ledgerRows(acct).commits()).toEqual([200n]);
    expect(await available(acct)).toBe('8.00');
  });
});
