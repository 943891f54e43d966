import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueGrant } from '../../src/ledger/index.js';
import { saveRechargeSettings } from '../../src/payments/recharge-settings.js';
import { rechargeWorkflowId } from '../../src/payments/recharge-trigger.js';
import { parseRetryDelays, rechargeStarter } from '../../src/payments/module.js';
import { startStripeFake, type StripeFake } from '../fakes/stripe-fake.js';
import { useTimeSkippingWorker } from '../grants/time-skipping.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { expectOutboxInCatalog } from '../helpers/notifications.js';
import { recordHistory } from '../helpers/temporal.js';
import { paymentsDeps } from './fixture.js';

const f = useLedgerFixture();
let fake: StripeFake;
let payments: Awaited<ReturnType<typeof paymentsDeps>>;
const DELAYS = parseRetryDelays('1h,4h,24h');

beforeAll(async () => {
  fake = await startStripeFake();
  payments = await paymentsDeps(f.deps, fake.url);
});
afterAll(async () => {
  await fake?.close();
});
const ts = useTimeSkippingWorker(
  () => ({ ledger: f.deps, payments }),
  () => f.clock,
);

async function belowThreshold() {
  const acct = await newAccount(f.deps);
  await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '10', source: 'promo' }, actor);
  await saveRechargeSettings(payments, acct, {
    creditType: 'ai',
    enabled: true,
    threshold: '100',
    bundleId: 'ai-1000',
    monthlyCap: { amount: '500.00', currency: 'USD' },
  });
  await rechargeStarter(ts.env.client, ts.taskQueue, DELAYS)(acct, 'ai');
  return { acct, handle: ts.env.client.workflow.getHandle(rechargeWorkflowId(acct, 'ai')) };
}

/** The durations of the workflow's timers, from its history: the retry schedule without measuring time. */
async function timerDurations(handle: ReturnType<typeof ts.env.client.workflow.getHandle>): Promise<number[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.timerStartedEventAttributes)
    .map((e) => Number(e.timerStartedEventAttributes!.startToFireTimeout!.seconds) * 1000);
}

const outboxTypes = async (acct: string) =>
  (await f.deps.db.selectFrom('outbox_events').select('type').where('account_id', '=', acct).execute()).map((e) => e.type);

describe('auto-recharge retry schedule (time-skipping Temporal)', () => {
  it('retries declines after 1 h and 4 h, then succeeds and grants once', async () => {
    fake.queue('decline', 'decline', 'succeed');
    const { acct, handle } = await belowThreshold();
    const result = await handle.result();
    expect(result.rounds[0]).toMatchObject({ outcome: 'succeeded', attempts: 3 });
    expect(await timerDurations(handle)).toEqual([3_600_000, 14_400_000]);
    const keys = fake.chargeKeys.filter((k) => k.startsWith(rechargeWorkflowId(acct, 'ai')));
    expect(keys.map((k) => k.split('/').pop())).toEqual(['0', '1', '2']);
    expect(fake.charges.filter((c) => c.metadata.account_id === acct)).toHaveLength(1);
    expect(await outboxTypes(acct)).toContain('recharge.succeeded');
    await recordHistory(handle, 'recharge-retried');
  });

  it('gives up after 1 h, 4 h and 24 h: purchase failed, auto-recharge paused, account flagged, recharge.failed', async () => {
    fake.queue('decline', 'decline', 'decline', 'decline');
    const { acct, handle } = await belowThreshold();
    const result = await handle.result();
    expect(result.rounds[0]).toMatchObject({ outcome: 'failed', attempts: 4, reason: 'payment_declined' });
    expect(await timerDurations(handle)).toEqual([3_600_000, 14_400_000, 86_400_000]);
    const settings = await f.deps.db.selectFrom('recharge_settings').selectAll().where('account_id', '=', acct).executeTakeFirstOrThrow();
    expect(settings.paused).toBe(true);
    expect(await f.deps.db.selectFrom('payment_account_flags').select('flag').where('account_id', '=', acct).execute()).toEqual([
      { flag: 'recharge_failed' },
    ]);
    expect(await outboxTypes(acct)).toContain('recharge.failed');
    expect(
      await f.deps.db.selectFrom('grants').selectAll().where('account_id', '=', acct).where('source', '=', 'purchase').execute(),
    ).toHaveLength(0);
    await recordHistory(handle, 'recharge-gave-up');
  });

  it('requires_action notifies the customer, cancels the abandoned payment, and retries', async () => {
    fake.queue('authentication_required', 'succeed');
    const { acct, handle } = await belowThreshold();
    const result = await handle.result();
    expect(result.rounds[0]).toMatchObject({ outcome: 'succeeded', attempts: 2 });
    expect(await outboxTypes(acct)).toContain('recharge.requires_action');
    await expectOutboxInCatalog(f.deps.db, acct);
    const intents = [...fake.intents.values()].filter((pi) => pi.metadata.account_id === acct);
    expect(intents.map((pi) => pi.status)).toEqual(['canceled', 'succeeded']);
    await recordHistory(handle, 'recharge-requires-action');
  });
});
