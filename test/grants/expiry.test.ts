import type { Client, WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import {
  changeGrantExpiry,
  commitHold,
  createHold,
  deduct,
  getBalances,
  getBalancesAt,
  getGrant,
  getHold,
  issueGrant,
  refundBurn,
  releaseHold,
  voidGrant,
} from '../../src/ledger/index.js';
import { signalMarkedGrantTimers } from '../../src/grants/timers.js';
import { grantClosedSignal, grantExpiryChangedSignal, grantExpiryWorkflowId } from '../../src/contracts/grants.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { recordHistory } from '../helpers/temporal.js';
import { useTimeSkippingWorker } from './time-skipping.js';

const f = useLedgerFixture();
const t = useTimeSkippingWorker(
  () => ({ ledger: f.deps }),
  () => f.clock,
);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOTICE = 7 * DAY;

async function expiryEntries(grantId: string) {
  return f.deps.db.selectFrom('ledger_entries').selectAll().where('grant_id', '=', grantId).where('entry_type', '=', 'expiry').execute();
}

async function outboxEvents(type: string, grantId: string) {
  const rows = await f.deps.db.selectFrom('outbox_events').selectAll().where('type', '=', type).execute();
  return rows.filter((r) => (r.payload as { grantId: string }).grantId === grantId);
}

function startTimer(grantId: string) {
  return t.env.client.workflow.start('grantExpiryWorkflow', {
    taskQueue: t.taskQueue,
    workflowId: grantExpiryWorkflowId(grantId),
    args: [{ grantId, expiringNoticeMs: NOTICE }],
  });
}

/** Grants whose timer is due a wake-up (the ledger's marks), then what one relay step handled. */
async function pendingTimerMarks(accountId: string) {
  const rows = await f.deps.db
    .selectFrom('grant_timer_marks')
    .select('grant_id')
    .where('account_id', '=', accountId)
    .where('pending', '=', true)
    .execute();
  return rows.map((r) => r.grant_id);
}
function relayGrantTimers() {
  return signalMarkedGrantTimers({ db: f.deps.db, temporal: t.env.client, taskQueue: t.taskQueue, expiringNoticeMs: NOTICE }, 100);
}

describe('grant expiry timer (time-skipping Temporal + real PostgreSQL)', () => {
  it('expires the remainder at the exact instant, after expiring credits were burned first', async () => {
    const t0 = await t.syncClock();
    const acct = await newAccount(f.deps);
    const expiresAt = new Date(t0.getTime() + 10 * DAY);
    await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '100', source: 'purchase' }, actor);
    const promo = await issueGrant(
      f.deps,
      { accountId: acct, creditType: 'ai', amount: '50', source: 'promo', expiresAt, costBasis: { amount: '5.00', currency: 'USD' } },
      actor,
    );
    // Before the expiry, the expiring promo credits burn first.
    await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '20' }, actor);
    expect((await getGrant(f.deps.db, promo.id)).remaining).toBe('30.00');

    const handle = await startTimer(promo.id);
    expect(await handle.result()).toEqual({ outcome: 'expired', expired: '30.00' });

    const [entry, ...more] = await expiryEntries(promo.id);
    expect(more).toEqual([]);
    expect(entry!.created_at.toISOString()).toBe(expiresAt.toISOString());
    expect(entry!.amount).toBe(3000n);
    expect(entry!.metadata).toEqual({ cost_basis_minor: '500', cost_basis_currency: 'USD' });
    // One millisecond before the instant the promo credits were still there.
    const before = await getBalancesAt(f.deps.db, acct, new Date(expiresAt.getTime() - 1));
    expect(before.balances[0]!.available).toBe('130.00');
    const after = await getBalances(f.deps.db, acct, expiresAt);
    expect(after.balances[0]!.available).toBe('100.00');
    expect(after.balances[0]!.lifetime.expired).toBe('30.00');

    const [expiring] = await outboxEvents('grant.expiring', promo.id);
    expect(expiring!.occurred_at.toISOString()).toBe(new Date(expiresAt.getTime() - NOTICE).toISOString());
    expect(expiring!.payload).toMatchObject({ remaining: '30.00', expiresAt: expiresAt.toISOString() });
    const [expired] = await outboxEvents('grant.expired', promo.id);
    expect(expired!.payload).toMatchObject({ expired: '30.00', costBasis: { minor: '500', currency: 'USD' } });
    await recordHistory(handle, 'grant-expiry');
  });

  it('moves the timer when the expiry changes, and a void ends it without an expiry', async () => {
    const t0 = await t.syncClock();
    const acct = await newAccount(f.deps);
    const moved = await issueGrant(
      f.deps,
      { accountId: acct, creditType: 'ai', amount: '10', source: 'promo', expiresAt: new Date(t0.getTime() + 10 * DAY) },
      actor,
    );
    const voided = await issueGrant(
      f.deps,
      { accountId: acct, creditType: 'ai', amount: '5', source: 'promo', expiresAt: new Date(t0.getTime() + 10 * DAY) },
      actor,
    );
    const movedTimer = await startTimer(moved.id);
    const voidedTimer = await startTimer(voided.id);

    await t.env.sleep(DAY);
    const t1 = await t.syncClock();
    const later = new Date(t1.getTime() + 20 * DAY);
    const change = await changeGrantExpiry(f.deps, moved.id, later, actor);
    expect(change.previousExpiresAt).toBe(new Date(t0.getTime() + 10 * DAY).toISOString());
    await movedTimer.signal(grantExpiryChangedSignal, { expiresAt: later.toISOString() });
    await voidGrant(f.deps, voided.id, { ...actor, reason: 'mistake' });
    await voidedTimer.signal(grantClosedSignal, { status: 'voided' });

    expect(await voidedTimer.result()).toEqual({ outcome: 'voided', expired: '0' });
    expect(await expiryEntries(voided.id)).toEqual([]);
    expect(await movedTimer.result()).toEqual({ outcome: 'expired', expired: '10.00' });
    const [entry] = await expiryEntries(moved.id);
    expect(entry!.created_at.toISOString()).toBe(later.toISOString());
    // The expiry moved before its notice was due: one grant.expiring, for the new instant.
    expect((await outboxEvents('grant.expiring', moved.id)).map((e) => (e.payload as { expiresAt: string }).expiresAt)).toEqual([
      later.toISOString(),
    ]);
    await recordHistory(movedTimer, 'grant-expiry-moved');
  });

  it('expires once when the sweep and the timer both fire; the sweep catches a timer never started', async () => {
    const t0 = await t.syncClock();
    const acct = await newAccount(f.deps);
    const grant = await issueGrant(
      f.deps,
      { accountId: acct, creditType: 'ai', amount: '7', source: 'trial', expiresAt: new Date(t0.getTime() + HOUR) },
      actor,
    );
    await t.env.sleep(2 * HOUR);
    const sweep = await t.env.client.workflow.start('grantExpirySweepWorkflow', {
      taskQueue: t.taskQueue,
      workflowId: `sweep-${acct}`,
      args: [],
    });
    expect((await sweep.result()).expired).toBeGreaterThanOrEqual(1);
    expect(await (await startTimer(grant.id)).result()).toEqual({ outcome: 'expired', expired: '0' });
    const entries = await expiryEntries(grant.id);
    expect(entries.map((e) => e.amount)).toEqual([700n]);
    await recordHistory(sweep, 'grant-expiry-sweep');
  });

  it('a hold keeps its credits across the expiry; released credits then expire at once, committed ones burn', async () => {
    const t0 = await t.syncClock();
    const acct = await newAccount(f.deps);
    const promo = await issueGrant(
      f.deps,
      { accountId: acct, creditType: 'ai', amount: '50', source: 'promo', expiresAt: new Date(t0.getTime() + HOUR) },
      actor,
    );
    const released = await createHold(f.deps, { accountId: acct, creditType: 'ai', amount: '30', ttlSeconds: 7200 }, actor);
    const committed = await createHold(f.deps, { accountId: acct, creditType: 'ai', amount: '15', ttlSeconds: 7200 }, actor);

    expect(await (await startTimer(promo.id)).result()).toEqual({ outcome: 'expired', expired: '5.00' });
    expect((await getHold(f.deps.db, released.id)).status).toBe('active');

    // After the expiry, before the holds' TTL. (The ledger clock is set, not
    // synced: the time-skipping server may run far ahead once nothing waits.)
    f.clock.set(new Date(t0.getTime() + 90 * 60_000));
    await commitHold(f.deps, committed.id, '10', actor);
    await releaseHold(f.deps, released.id, actor);
    const balance = (await getBalances(f.deps.db, acct, f.clock.now())).balances[0]!;
    expect(balance).toMatchObject({ available: '0.00', held: '0.00' });
    expect(balance.lifetime).toMatchObject({ burned: '10.00', expired: '40.00' });
  });

  it('using up a grant ends its timer; a refund into it starts the timer again, which expires what came back at the instant', async () => {
    const t0 = await t.syncClock();
    const acct = await newAccount(f.deps);
    await relayGrantTimers(); // marks left by the earlier tests of this file
    const expiresAt = new Date(t0.getTime() + 10 * DAY);
    const promo = await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '40', source: 'promo', expiresAt }, actor);
    const first = await startTimer(promo.id);
    expect(await pendingTimerMarks(acct)).toEqual([]); // issuing is not a crossing: the issuer starts the timer
    const burn = await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '40' }, actor);

    // The burn that used the grant up marked it, in its own transaction; the relay tells the timer, which ends.
    expect(await pendingTimerMarks(acct)).toEqual([promo.id]);
    expect(await relayGrantTimers()).toBe(1);
    expect(await pendingTimerMarks(acct)).toEqual([]);
    expect(await first.result()).toEqual({ outcome: 'used_up', expired: '0' });
    expect(await expiryEntries(promo.id)).toEqual([]);
    await recordHistory(first, 'grant-expiry-used-up');

    // Credits come back before the expiry: the relay starts the timer again (a new run).
    await refundBurn(f.deps, { accountId: acct, transactionId: burn.transactionId, amount: '15' }, actor);
    expect((await getGrant(f.deps.db, promo.id)).remaining).toBe('15.00');
    expect(await pendingTimerMarks(acct)).toEqual([promo.id]);
    expect(await relayGrantTimers()).toBe(1);
    const again = t.env.client.workflow.getHandle(grantExpiryWorkflowId(promo.id));
    expect((await again.describe()).runId).not.toBe(first.firstExecutionRunId);
    expect(await again.result()).toEqual({ outcome: 'expired', expired: '15.00' });
    const [entry, ...more] = await expiryEntries(promo.id);
    expect(more).toEqual([]);
    expect([entry!.amount, entry!.created_at.toISOString()]).toEqual([1500n, expiresAt.toISOString()]);
    // A mark for a grant that expired meanwhile is cleared without starting anything.
    expect(await relayGrantTimers()).toBe(0);
  });

  it('a hold that takes all of a grant ends its timer; releasing it starts the timer again', async () => {
    const t0 = await t.syncClock();
    const acct = await newAccount(f.deps);
    await relayGrantTimers();
    const expiresAt = new Date(t0.getTime() + 2 * DAY);
    const promo = await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '20', source: 'promo', expiresAt }, actor);
    const first = await startTimer(promo.id);
    const hold = await createHold(f.deps, { accountId: acct, creditType: 'ai', amount: '20', ttlSeconds: 3600 }, actor);
    expect(await relayGrantTimers()).toBe(1);
    expect(await first.result()).toEqual({ outcome: 'used_up', expired: '0' });

    await releaseHold(f.deps, hold.id, actor);
    await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '5' }, actor);
    expect(await pendingTimerMarks(acct)).toEqual([promo.id]);
    expect(await relayGrantTimers()).toBe(1);
    expect(await t.env.client.workflow.getHandle(grantExpiryWorkflowId(promo.id)).result()).toEqual({
      outcome: 'expired',
      expired: '15.00',
    });
  });

  it('a refill that commits while the relay is telling the timer keeps its mark for the next relay run', async () => {
    const t0 = await t.syncClock();
    await relayGrantTimers();
    const acct = await newAccount(f.deps);
    const expiresAt = new Date(t0.getTime() + 3 * DAY);
    const promo = await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '10', source: 'promo', expiresAt }, actor);
    await startTimer(promo.id);
    const burn = await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '10' }, actor);

    // The relay read the mark (used up); a refund commits before its signal goes out.
    const client = t.env.client;
    const racing = {
      workflow: {
        getHandle: (workflowId: string) => ({
          signal: async (...args: Parameters<WorkflowHandle['signal']>) => {
            await refundBurn(f.deps, { accountId: acct, transactionId: burn.transactionId, amount: '4' }, actor);
            return client.workflow.getHandle(workflowId).signal(...args);
          },
        }),
      },
    } as unknown as Client;
    const raced = { db: f.deps.db, temporal: racing, taskQueue: t.taskQueue, expiringNoticeMs: NOTICE };
    expect(await signalMarkedGrantTimers(raced, 100)).toBe(0);
    expect(await pendingTimerMarks(acct)).toEqual([promo.id]);

    expect(await relayGrantTimers()).toBe(1);
    expect(await t.env.client.workflow.getHandle(grantExpiryWorkflowId(promo.id)).result()).toEqual({
      outcome: 'expired',
      expired: '4.00',
    });
  });
});
