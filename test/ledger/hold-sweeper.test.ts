import { describe, expect, it } from 'vitest';
import { createHold, getHold, issueGrant } from '../../src/ledger/index.js';
import { ensureSchedules, HOLD_SWEEPER_SCHEDULE_ID } from '../../src/runtime/ledger-module.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { recordHistory, useTemporalWorker } from '../helpers/temporal.js';

const f = useLedgerFixture();
const t = useTemporalWorker(() => ({ ledger: f.deps }));

describe('hold sweeper (real Temporal + real PostgreSQL)', () => {
  it('releases holds past their TTL and leaves live ones alone', async () => {
    const acct = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '100', source: 'purchase' }, actor);
    const shortLived = await createHold(f.deps, { accountId: acct, creditType: 'ai', amount: '30', ttlSeconds: 60 }, actor);
    const longLived = await createHold(f.deps, { accountId: acct, creditType: 'ai', amount: '20', ttlSeconds: 3600 }, actor);
    f.clock.advance(61_000);

    const handle = await t.client.workflow.start('holdSweeperWorkflow', {
      taskQueue: t.taskQueue,
      workflowId: `sweep-${acct}`,
      args: [],
    });
    expect(await handle.result()).toEqual({ released: 1 });
    expect((await getHold(f.deps.db, shortLived.id)).status).toBe('expired');
    expect((await getHold(f.deps.db, longLived.id)).status).toBe('active');
    await recordHistory(handle, 'hold-sweeper');
  });

  it('registers the sweeper as a Temporal Schedule, once', async () => {
    await ensureSchedules(t.client, t.taskQueue, 60);
    await ensureSchedules(t.client, t.taskQueue, 60);
    const description = await t.client.schedule.getHandle(HOLD_SWEEPER_SCHEDULE_ID).describe();
    expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'holdSweeperWorkflow' });
    await t.client.schedule.getHandle(HOLD_SWEEPER_SCHEDULE_ID).delete();
  });
});
