import { describe, expect, it } from 'vitest';
import { deduct, getBalances } from '../../src/ledger/index.js';
import {
  cancelSubscriptionUpdate,
  changeSubscriptionPlanUpdate,
  subscriptionStateQuery,
  subscriptionWorkflowId,
  type ResolvedPlan,
  type RolloverRule,
} from '../../src/contracts/grants.js';
import { periodBounds } from '../../workflows/grants/periods.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { recordHistory } from '../helpers/temporal.js';
import { useTimeSkippingWorker } from './time-skipping.js';

const f = useLedgerFixture();
const t = useTimeSkippingWorker(
  () => ({ ledger: f.deps }),
  () => f.clock,
);

const DAY = 86_400_000;
const month = { unit: 'month' as const, count: 1 };
const plan = (rollover: RolloverRule, amount = '100', planId = 'test'): ResolvedPlan => ({
  ref: { planId, version: '2026-01' },
  creditType: 'ai',
  amount,
  period: month,
  rollover,
});

async function grantsOf(accountId: string) {
  return f.deps.db.selectFrom('grants').selectAll().where('account_id', '=', accountId).orderBy('effective_at').orderBy('source').execute();
}

function start(accountId: string, anchor: Date, resolved: ResolvedPlan) {
  const subscriptionId = `sub_${accountId}`;
  return t.env.client.workflow.start('subscriptionWorkflow', {
    taskQueue: t.taskQueue,
    workflowId: subscriptionWorkflowId(subscriptionId),
    args: [{ subscriptionId, accountId, anchor: anchor.toISOString(), plan: resolved, expiringNoticeMs: 7 * DAY }],
  });
}

describe('subscriptions (time-skipping Temporal + real PostgreSQL)', () => {
  it('applies each rollover rule at the period end to what was left', async () => {
    const t0 = await t.syncClock();
    const rules: [RolloverRule, string | null][] = [
      [{ rule: 'none' }, null],
      [{ rule: 'capped', cap: '30', expiresAfterPeriods: 1 }, '30.00'],
      [{ rule: 'full', expiresAfterPeriods: 2 }, '40.00'],
    ];
    const subs = [];
    for (const [rule] of rules) {
      const acct = await newAccount(f.deps);
      subs.push({ acct, handle: await start(acct, t0, plan(rule)) });
    }
    await t.env.sleep(DAY);
    f.clock.set(new Date(t0.getTime() + DAY));
    for (const { acct } of subs) await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '60' }, actor);
    await t.env.sleep(31 * DAY);

    const end0 = periodBounds(t0.getTime(), month, 0).end;
    for (const [i, [rule, rolled]] of rules.entries()) {
      const grants = await grantsOf(subs[i]!.acct);
      const rollover = grants.filter((g) => g.source === 'rollover');
      expect(
        rollover.map((g) => g.amount),
        rule.rule,
      ).toEqual(rolled === null ? [] : [BigInt(Number(rolled) * 100)]);
      if (rule.rule !== 'none') {
        expect(rollover[0]!.effective_at.getTime()).toBe(end0);
        expect(rollover[0]!.expires_at!.getTime()).toBe(periodBounds(t0.getTime(), month, rule.expiresAfterPeriods).end);
      }
      const allotments = grants.filter((g) => g.source === 'plan');
      expect(allotments.map((g) => [g.status, g.amount])).toEqual([
        ['expired', 10_000n],
        ['active', 10_000n],
      ]);
    }
    for (const { handle } of subs) await handle.executeUpdate(cancelSubscriptionUpdate, { args: [{ at: 'now', actor: 'test' }] });
  });

  it('runs 13 months: one allotment per period, capped rollovers, history bounded by continue-as-new', async () => {
    const t0 = await t.syncClock();
    const acct = await newAccount(f.deps);
    const handle = await start(acct, t0, plan({ rule: 'capped', cap: '30', expiresAfterPeriods: 1 }));
    const firstRunId = (await handle.describe()).runId;
    const period12 = periodBounds(t0.getTime(), month, 12);
    await t.env.sleep(period12.start - t0.getTime() + DAY);

    const grants = await grantsOf(acct);
    const allotments = grants.filter((g) => g.source === 'plan');
    const rollovers = grants.filter((g) => g.source === 'rollover');
    expect(allotments).toHaveLength(13);
    expect(allotments.map((g) => g.effective_at.getTime())).toEqual(
      [...Array(13).keys()].map((k) => periodBounds(t0.getTime(), month, k).start),
    );
    expect(allotments.map((g) => g.external_ref)).toEqual([...Array(13).keys()].map((k) => `plan:sub_${acct}:${k}`));
    expect(rollovers.map((g) => g.amount)).toEqual(Array(12).fill(3000n));
    expect(allotments.slice(0, 12).every((g) => g.status === 'expired')).toBe(true);
    const now = new Date(await t.env.currentTimeMs());
    const balance = (await getBalances(f.deps.db, acct, now)).balances[0]!;
    // Period 12's allotment plus period 11's rollover; older rollovers expired at their period ends.
    expect(balance.available).toBe('130.00');

    const state = await handle.query(subscriptionStateQuery);
    expect(state).toMatchObject({ periodIndex: 12, status: 'active', currentGrantId: allotments[12]!.id });
    expect(state.upcoming.map((u) => u.periodIndex)).toEqual([13, 14, 15]);
    const description = await handle.describe();
    expect(description.runId).not.toBe(firstRunId);
    expect((await handle.fetchHistory()).events!.length).toBeLessThan(60);

    // A plan change for the next period, then cancel at the period end.
    await handle.executeUpdate(changeSubscriptionPlanUpdate, { args: [{ plan: plan({ rule: 'none' }, '250', 'bigger'), actor: 'test' }] });
    const cancelling = await handle.executeUpdate(cancelSubscriptionUpdate, { args: [{ at: 'period_end', actor: 'test' }] });
    expect(cancelling).toMatchObject({ status: 'cancelling', pendingPlan: { planId: 'bigger' }, upcoming: [] });
    await expect(handle.executeUpdate(cancelSubscriptionUpdate, { args: [{ at: 'now', actor: 'test' }] })).rejects.toThrow();
    expect(await handle.result()).toMatchObject({ status: 'cancelled', periodIndex: 12 });
    expect((await grantsOf(acct)).filter((g) => g.source === 'plan')).toHaveLength(13);
    await recordHistory(handle, 'subscription');
  });

  it('a plan change effective now grants the prorated difference for the rest of the period', async () => {
    const t0 = await t.syncClock();
    const acct = await newAccount(f.deps);
    const handle = await start(acct, t0, plan({ rule: 'none' }, '100'));
    const bounds = periodBounds(t0.getTime(), month, 0);
    await t.env.sleep(10 * DAY);
    const state = await handle.executeUpdate(changeSubscriptionPlanUpdate, {
      args: [{ plan: plan({ rule: 'none' }, '400', 'big'), effective: 'now', actor: 'test' }],
    });
    expect(state.plan).toEqual({ planId: 'big', version: '2026-01' });
    const extra = (await grantsOf(acct)).find((g) => g.metadata.prorated === 'true')!;
    // 300.00 × remaining / period, rounded down to 0.01, from the instant of the change.
    const changedAt = extra.created_at.getTime();
    const expected = (30_000n * BigInt(bounds.end - changedAt)) / BigInt(bounds.end - bounds.start);
    expect(extra.amount).toBe(expected);
    expect(extra.expires_at!.getTime()).toBe(bounds.end);
    await handle.executeUpdate(cancelSubscriptionUpdate, { args: [{ at: 'now', actor: 'test' }] });
    expect(await handle.result()).toMatchObject({ status: 'cancelled' });
  });
});
