import { ScheduleNotFoundError, type WorkflowExecutionInfo } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOOP_MAX_PASSES, meteringLoopId, outboxRelayLoopId } from '../../src/contracts/index.js';
import { METERING_SCHEDULE_ID } from '../../src/consumption/module.js';
import { createCreditType, deduct } from '../../src/ledger/index.js';
import { OUTBOX_RELAY_SCHEDULE_ID } from '../../src/notifications/module.js';
import { loopTable } from '../../src/runtime/areas.js';
import { ensureLoop, wakeLoop } from '../../src/runtime/loops.js';
import { ensureSchedule } from '../../src/runtime/schedules.js';
import { meteringWorkflow } from '../../workflows/consumption/metering.js';
import { outboxRelayWorkflow } from '../../workflows/notifications/outbox-relay.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { actor, fundedAccount } from '../helpers/ledger.js';
import { useRunningStack } from '../helpers/stack.js';
import { recordHistory } from '../helpers/temporal.js';

/**
 * The outbox relay and metering as long-lived loops (issue 16). Fallback
 * timers of an hour: whatever happens here within seconds was woken, not
 * timed. What happens over time with short timers is in loops-over-time.test.ts.
 */
const receiver = new WebhookReceiver();
beforeAll(() => receiver.start());
afterAll(() => receiver.stop());
const stack = useRunningStack({
  OUTBOX_RELAY_INTERVAL_SECONDS: '3600',
  METERING_INTERVAL_SECONDS: '3600',
  WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
});

beforeAll(async () => {
  await createCreditType(stack.core.db, { id: 'ai', name: 'AI credits', precision: 2 });
});

const taskQueue = () => stack.core.config.TEMPORAL_TASK_QUEUE;
const loop = (workflowId: string) => loopTable(stack.areas).find((l) => l.workflowId === workflowId)!;

async function eventually<T>(read: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function runsOf(workflowId: string): Promise<WorkflowExecutionInfo[]> {
  const runs: WorkflowExecutionInfo[] = [];
  for await (const run of stack.core.temporal.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(run);
  return runs;
}

describe('the outbox relay and metering loops (real Temporal, PostgreSQL, API and worker)', () => {
  it('runs one execution of each per task queue, however many workers ensure it at once', async () => {
    const loops = loopTable(stack.areas);
    expect(loops.map((l) => l.workflowId).sort()).toEqual([meteringLoopId(taskQueue()), outboxRelayLoopId(taskQueue())].sort());
    // Two more workers starting at the same moment as the one already running.
    await Promise.all(
      loops.flatMap((l) => [ensureLoop(stack.core.temporal, taskQueue(), l), ensureLoop(stack.core.temporal, taskQueue(), l)]),
    );
    for (const l of loops) {
      const description = await stack.core.temporal.workflow.getHandle(l.workflowId).describe();
      expect(description.status.name).toBe('RUNNING');
      const runs = await eventually(async () => {
        const found = await runsOf(l.workflowId);
        return found.length > 0 ? found : undefined;
      }, `${l.workflowId} in visibility`);
      expect(runs).toHaveLength(1);
    }
  });

  it('deletes the Schedules the loops replace when a worker starts, so an upgraded deployment stops them', async () => {
    const client = stack.core.temporal;
    // What a worker of the previous version left behind.
    await ensureSchedule(client, taskQueue(), { scheduleId: OUTBOX_RELAY_SCHEDULE_ID, workflow: outboxRelayWorkflow, everySeconds: 3600 });
    await ensureSchedule(client, taskQueue(), { scheduleId: METERING_SCHEDULE_ID, workflow: meteringWorkflow, everySeconds: 3600 });
    expect((await client.schedule.getHandle(OUTBOX_RELAY_SCHEDULE_ID).describe()).scheduleId).toBe(OUTBOX_RELAY_SCHEDULE_ID);

    for (const l of loopTable(stack.areas)) await ensureLoop(client, taskQueue(), l);

    for (const id of [OUTBOX_RELAY_SCHEDULE_ID, METERING_SCHEDULE_ID]) {
      await expect(client.schedule.getHandle(id).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    }
  });

  it('delivers a webhook moments after the commit that wrote its event, not at the hour-long fallback', async () => {
    const ledger = stack.areas.ledger.deps;
    const accountId = await fundedAccount(ledger, '5');
    const path = `/depleted-${accountId}`;
    const endpoint = await stack.call('POST', '/v1/webhook-endpoints', {
      url: `${receiver.url}${path}`,
      accountId,
      eventTypes: ['balance.depleted'],
    });
    expect(endpoint.status).toBe(201);
    // The burn writes balance.depleted in its own transaction (the ledger's SQL): the outbox trigger NOTIFYs the worker.
    await deduct(ledger, { accountId, creditType: 'ai', amount: '5' }, actor);
    const [request] = await eventually(() => (receiver.to(path).length > 0 ? receiver.to(path) : undefined), 'the webhook');
    expect(JSON.parse(request!.body)).toMatchObject({ type: 'balance.depleted', accountId });
  });

  it('meters usage events moments after the API accepted them, not at the hour-long fallback', async () => {
    const accountId = await fundedAccount(stack.areas.ledger.deps, '100');
    const id = `evt-wake-${accountId}`;
    const accepted = await stack.call('POST', '/v1/events', {
      events: [{ id, accountId, feature: 'chat', quantity: '2', timestamp: new Date().toISOString() }],
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body.accepted).toBe(1);
    await eventually(async () => {
      const event = await stack.call('GET', `/v1/usage-events/${id}`);
      return event.body.status === 'burned' ? event.body : undefined;
    }, 'the burn');
  });
});

describe('continue-as-new', () => {
  /**
   * Hands the stack's loop maxPasses 2 (settings ride on the wake-up signal, as
   * a worker's do at start) and wakes it until its run continues as new; the
   * finished run is the replay history of its type. Then gives it back the
   * worker's settings.
   */
  async function continueAsNewOnce(workflowId: string, history: string) {
    const client = stack.core.temporal;
    const spec = loop(workflowId);
    const runId = async () => (await client.workflow.getHandle(workflowId).describe()).runId;
    const before = await runId();
    await wakeLoop(client, taskQueue(), spec, { intervalSeconds: 3600, maxPasses: 2 });
    await eventually(async () => {
      if ((await runId()) !== before) return true;
      await wakeLoop(client, taskQueue(), spec);
      await new Promise((resolve) => setTimeout(resolve, 300));
      return undefined;
    }, `${workflowId} to continue as new`);
    const finished = client.workflow.getHandle(workflowId, before);
    expect((await finished.describe()).status.name).toBe('CONTINUED_AS_NEW');
    await recordHistory(finished, history);
    await ensureLoop(client, taskQueue(), spec);
    expect(spec.settings.maxPasses).toBe(LOOP_MAX_PASSES);
  }

  it('the relay continues as new after maxPasses and delivers webhooks after it', async () => {
    await continueAsNewOnce(outboxRelayLoopId(taskQueue()), 'outbox-relay-loop');
    const ledger = stack.areas.ledger.deps;
    const accountId = await fundedAccount(ledger, '3');
    const path = `/after-can-${accountId}`;
    const endpoint = await stack.call('POST', '/v1/webhook-endpoints', {
      url: `${receiver.url}${path}`,
      accountId,
      eventTypes: ['balance.depleted'],
    });
    expect(endpoint.status).toBe(201);
    await deduct(ledger, { accountId, creditType: 'ai', amount: '3' }, actor);
    await eventually(() => (receiver.to(path).length > 0 ? true : undefined), 'the webhook');
  });

  it('metering continues as new after maxPasses and meters events after it', async () => {
    await continueAsNewOnce(meteringLoopId(taskQueue()), 'metering-loop');
    const accountId = await fundedAccount(stack.areas.ledger.deps, '100');
    const id = `evt-can-${accountId}`;
    const accepted = await stack.call('POST', '/v1/events', {
      events: [{ id, accountId, feature: 'chat', quantity: '1', timestamp: new Date().toISOString() }],
    });
    expect(accepted.body.accepted).toBe(1);
    await eventually(
      async () => ((await stack.call('GET', `/v1/usage-events/${id}`)).body.status === 'burned' ? true : undefined),
      'the burn',
    );
  });
});
