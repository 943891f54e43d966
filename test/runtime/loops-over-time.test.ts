import { describe, expect, it } from 'vitest';
import { meteringLoopId, outboxRelayLoopId } from '../../src/contracts/index.js';
import { consumptionDepsFor } from '../../src/consumption/settings.js';
import { ingestUsageEvents } from '../../src/consumption/usage-events/ingest.js';
import { createCreditType } from '../../src/ledger/index.js';
import { fundedAccount } from '../helpers/ledger.js';
import { useRunningStack } from '../helpers/stack.js';

/**
 * The Web UI lists what users run (issue 16): with fallback timers of a
 * second, the relay and metering still run as one execution each, however
 * long the stack runs, where their Schedules started one per interval.
 */
const stack = useRunningStack({ OUTBOX_RELAY_INTERVAL_SECONDS: '1', METERING_INTERVAL_SECONDS: '1' });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const RELAY_AND_METERING = ['outboxRelayLoopWorkflow', 'meteringLoopWorkflow', 'outboxRelayWorkflow', 'meteringWorkflow'];

/** Every relay and metering execution on the stack's task queue, closed ones and earlier runs included (others' are users'). */
async function relayAndMeteringExecutions(): Promise<{ workflowId: string; status: string }[]> {
  const found = [];
  const query = `TaskQueue = '${stack.core.config.TEMPORAL_TASK_QUEUE}'`;
  for await (const run of stack.core.temporal.workflow.list({ query })) {
    if (RELAY_AND_METERING.includes(run.type)) found.push({ workflowId: run.workflowId, status: run.status.name });
  }
  return found;
}

describe('the relay and metering loops over time (real Temporal, 1 s fallback timers)', () => {
  it('keeps one execution each while their timers fire, and meters what nothing woke them for', async () => {
    const taskQueue = stack.core.config.TEMPORAL_TASK_QUEUE;
    const loops = [outboxRelayLoopId(taskQueue), meteringLoopId(taskQueue)];
    const historyLength = async (id: string) => (await stack.core.temporal.workflow.getHandle(id).describe()).historyLength;
    await sleep(2_000); // visibility is eventually consistent
    const before = await relayAndMeteringExecutions();
    const lengthsBefore = await Promise.all(loops.map(historyLength));

    // Written behind the API's back (no wake-up): only the metering loop's timer can burn it.
    await createCreditType(stack.core.db, { id: 'ai', name: 'AI credits', precision: 2 });
    const ledger = stack.areas.ledger.deps;
    const accountId = await fundedAccount(ledger, '100');
    const id = `evt-timer-${accountId}`;
    const consumption = await consumptionDepsFor({ config: stack.core.config, ledger, enforcement: stack.core.enforcement });
    const [result] = await ingestUsageEvents(
      consumption,
      [{ id, accountId, feature: 'chat', quantity: '1', timestamp: new Date().toISOString() }],
      { mayUse: () => true },
    );
    expect(result?.status).toBe('accepted');

    await sleep(12_000); // a dozen intervals: the Schedules would have started about 24 executions by now
    const after = await relayAndMeteringExecutions();

    expect(before.map((e) => e.workflowId).sort()).toEqual([...loops].sort());
    expect(after).toEqual(expect.arrayContaining(loops.map((workflowId) => ({ workflowId, status: 'RUNNING' }))));
    expect(after).toHaveLength(before.length);
    // They did work meanwhile: each fired its timer and ran passes (about 5 history events per pass).
    const lengthsAfter = await Promise.all(loops.map(historyLength));
    lengthsAfter.forEach((length, i) => expect(length - lengthsBefore[i]!).toBeGreaterThanOrEqual(5 * 5));
    const event = await ledger.db.selectFrom('usage_events').select('status').where('id', '=', id).executeTakeFirstOrThrow();
    expect(event.status).toBe('burned');
  });
});
