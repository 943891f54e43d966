import { WithStartWorkflowOperation, WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/activity';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { consumptionWorkflowId } from '../../src/consumption/ids.js';
import { createDatabase } from '../../src/db/database.js';
import { getBalances, getHold } from '../../src/ledger/index.js';
import {
  CONSUMPTION_WORKFLOW_TYPE,
  consumptionStateQuery,
  reservationUpdate,
  type ConsumptionOutcome,
} from '../../src/contracts/consumption.js';
import { createProductWorker } from '../../examples/product-worker/worker.js';
import { call } from '../helpers/api.js';
import { recordHistory } from '../helpers/temporal.js';
import { consumptionInput, fundedAccount, uniqueKey, useConsumptionStack } from './fixture.js';

const s = useConsumptionStack();

const available = async (accountId: string) =>
  (await getBalances(s.ledger.deps.db, accountId, s.ledger.clock.now())).balances.find((b) => b.creditType === 'ai')?.available;

async function entriesOf(accountId: string) {
  return s.ledger.deps.db
    .selectFrom('ledger_entries')
    .select(['entry_type', 'amount', 'hold_id', 'reason'])
    .where('account_id', '=', accountId)
    .orderBy('id')
    .execute();
}

/** Runs a product worker (the example's) on its own queue for the body of one test. */
async function withProductWorker<T>(job: (estimate: string) => Promise<string>, body: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = uniqueKey('product');
  const worker = await createProductWorker({ connection: s.temporal.nativeConnection, taskQueue, job: (r) => job(r.estimate) });
  return worker.runUntil(body(taskQueue));
}

describe('consumption saga (real Temporal + real PostgreSQL)', () => {
  it('reports: reserves synchronously, burns the actual usage on completion and releases the rest', async () => {
    const acct = await fundedAccount(s.ledger.deps, '100');
    const idempotencyKey = uniqueKey();
    const body = { accountId: acct, feature: 'tokens', estimate: '50000', idempotencyKey };
    const started = await call(s.api, 'POST', '/v1/consumptions', { body });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({
      status: 'reserved',
      enforcementMode: 'enforce',
      reserved: '1.00',
      creditType: 'ai',
      pricingVersion: '2026-01',
    });
    const id = started.body!.consumptionId as string;
    expect(id).toBe(consumptionWorkflowId(acct, idempotencyKey));
    const hold = await getHold(s.ledger.deps.db, started.body!.holdId as string);
    expect(hold).toMatchObject({ status: 'active', amount: '1.00', expiresAt: null, ownerRef: id });
    expect(await available(acct)).toBe('99.00');

    // A retry of the start (new Idempotency-Key header, same consumption key) finds the same consumption.
    const again = await call(s.api, 'POST', '/v1/consumptions', { body });
    expect(again.body).toMatchObject({ consumptionId: id, holdId: hold.id });

    const completed = await call(s.api, 'POST', `/v1/consumptions/${id}/complete`, { body: { actualQuantity: '30000' } });
    expect(completed.status).toBe(200);
    expect(completed.body).toMatchObject({ status: 'completed', burned: '0.60', pricingVersion: '2026-01' });
    expect((await getHold(s.ledger.deps.db, hold.id)).status).toBe('committed');
    expect(await available(acct)).toBe('99.40');

    const view = await call(s.api, 'GET', `/v1/consumptions/${id}`);
    expect(view.body).toMatchObject({
      status: 'completed',
      burned: '0.60',
      reserved: '1.00',
      actualQuantity: '30000',
      pricingVersion: '2026-01',
    });
    expect(view.body!.rating.final).toMatchObject({
      pricingVersion: '2026-01',
      rule: 'features.tokens',
      quantity: '30000',
      exactCost: '3/5',
      cost: '0.60',
    });
    expect((view.body!.entries as { type: string }[]).map((e) => e.type)).toEqual(['hold', 'commit', 'release']);
    expect((view.body!.entries as { reason: string }[])[1]!.reason).toContain('pricing 2026-01');

    // A second, different report is refused; the same report again is fine, also after the workflow has closed:
    // the retry of a report whose answer was lost with its API process (scale-out drill) gets the outcome, not a 409.
    expect((await call(s.api, 'POST', `/v1/consumptions/${id}/complete`, { body: { actualQuantity: '1' } })).status).toBe(409);
    const repeated = await call(s.api, 'POST', `/v1/consumptions/${id}/complete`, { body: { actualQuantity: '30000' } });
    expect(repeated.status).toBe(200);
    expect(repeated.body).toEqual(completed.body);
    await recordHistory(s.temporal.client.workflow.getHandle(id), 'consumption-report-local-steps');
  });

  it('answers 402 with the shortfall when the estimate cannot be reserved, and holds nothing', async () => {
    const acct = await fundedAccount(s.ledger.deps, '0.50');
    const res = await call(s.api, 'POST', '/v1/consumptions', {
      body: { accountId: acct, feature: 'chat', quantity: '1', idempotencyKey: uniqueKey() },
    });
    expect(res.status).toBe(402);
    expect(res.body).toMatchObject({ code: 'insufficient_credits', available: '0.50', requested: '1.00', shortfall: '0.50' });
    expect(await available(acct)).toBe('0.50');
    expect((await entriesOf(acct)).map((e) => e.entry_type)).toEqual(['grant']);
    const row = await s.ledger.deps.db.selectFrom('consumptions').select('status').where('account_id', '=', acct).executeTakeFirstOrThrow();
    expect(row.status).toBe('rejected');
  });

  it('rejects an unknown feature or account before starting anything', async () => {
    const acct = await fundedAccount(s.ledger.deps, '10');
    const feature = await call(s.api, 'POST', '/v1/consumptions', {
      body: { accountId: acct, feature: 'teleport', quantity: '1', idempotencyKey: uniqueKey() },
    });
    expect(feature.status).toBe(400);
    expect(feature.body!.errors[0]).toMatchObject({ path: 'feature', code: 'unknown_feature' });
    const account = await call(s.api, 'POST', '/v1/consumptions', {
      body: { accountId: 'nobody-here', feature: 'chat', quantity: '1', idempotencyKey: uniqueKey() },
    });
    expect(account.status).toBe(404);
    const both = await call(s.api, 'POST', '/v1/consumptions', { body: { accountId: acct, feature: 'chat', idempotencyKey: uniqueKey() } });
    expect(both.status).toBe(400);
  });

  it('releases the hold when the product reports a failure', async () => {
    const acct = await fundedAccount(s.ledger.deps, '10');
    const started = await call(s.api, 'POST', '/v1/consumptions', {
      body: { accountId: acct, feature: 'chat', quantity: '2', idempotencyKey: uniqueKey() },
    });
    expect(await available(acct)).toBe('8.00');
    const res = await call(s.api, 'POST', `/v1/consumptions/${started.body!.consumptionId}/complete`, {
      body: { failed: true, reason: 'model crashed' },
    });
    expect(res.body).toMatchObject({ status: 'released', burned: null, reason: 'product reported failure: model crashed' });
    expect((await getHold(s.ledger.deps.db, started.body!.holdId as string)).status).toBe('released');
    expect(await available(acct)).toBe('10.00');
  });

  it('runs the execute step on the product’s own worker and burns what it reports', async () => {
    const acct = await fundedAccount(s.ledger.deps, '10');
    const outcome = await withProductWorker(
      (estimate) => Promise.resolve(String(Number(estimate) - 1)),
      async (taskQueue) => {
        const res = await call(s.api, 'POST', '/v1/consumptions', {
          body: { accountId: acct, feature: 'chat', estimate: '3', idempotencyKey: uniqueKey(), execute: { mode: 'activity', taskQueue } },
        });
        expect(res.body).toMatchObject({ status: 'reserved', reserved: '3.00' });
        const handle = s.temporal.client.workflow.getHandle(res.body!.consumptionId as string);
        const result = (await handle.result()) as ConsumptionOutcome;
        await recordHistory(handle, 'consumption-activity-local-steps');
        return result;
      },
    );
    expect(outcome).toMatchObject({ status: 'completed', burned: '2.00' });
    expect(await available(acct)).toBe('8.00');
  });

  it('releases the hold when the product’s execute activity fails', async () => {
    const acct = await fundedAccount(s.ledger.deps, '10');
    const outcome = await withProductWorker(
      () => Promise.reject(ApplicationFailure.nonRetryable('GPU on fire', 'gpu_failure')),
      async (taskQueue) => {
        const res = await call(s.api, 'POST', '/v1/consumptions', {
          body: { accountId: acct, feature: 'chat', quantity: '4', idempotencyKey: uniqueKey(), execute: { mode: 'activity', taskQueue } },
        });
        expect(await available(acct)).toBe('6.00');
        const handle = s.temporal.client.workflow.getHandle(res.body!.consumptionId as string);
        const result = (await handle.result()) as ConsumptionOutcome;
        await recordHistory(handle, 'consumption-execute-failed-local-steps');
        return result;
      },
    );
    expect(outcome).toMatchObject({ status: 'released', reason: 'GPU on fire' });
    expect(await available(acct)).toBe('10.00');
  });

  it('releases the hold when the workflow is cancelled', async () => {
    const acct = await fundedAccount(s.ledger.deps, '10');
    const started = await call(s.api, 'POST', '/v1/consumptions', {
      body: { accountId: acct, feature: 'chat', quantity: '5', idempotencyKey: uniqueKey() },
    });
    const handle = s.temporal.client.workflow.getHandle(started.body!.consumptionId as string);
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    expect((await getHold(s.ledger.deps.db, started.body!.holdId as string)).status).toBe('released');
    expect(await available(acct)).toBe('10.00');
    expect((await handle.query(consumptionStateQuery)).outcome).toMatchObject({ status: 'released', reason: 'cancelled' });
    await recordHistory(handle, 'consumption-cancelled-local-steps');
  });

  it('fails closed (503) or open, by setting, when the ledger is unreachable', async () => {
    const acct = await fundedAccount(s.ledger.deps, '10');
    const unreachable = createDatabase({
      connectionString: 'postgres://nobody@127.0.0.1:1/none',
      poolSize: 1,
      applicationName: 'unreachable',
    });
    const deadLedger = { ...s.ledger.deps, db: unreachable };
    const run = async (policy: 'fail_open' | 'fail_closed') => {
      const taskQueue = uniqueKey(policy);
      const consumption = {
        ...s.consumption,
        ledger: deadLedger,
        settings: { ...s.consumption.settings, ledgerUnavailablePolicy: policy },
      };
      const worker = await Worker.create({
        connection: s.temporal.nativeConnection,
        taskQueue,
        workflowBundle: s.temporal.bundle,
        activities: createActivities({ ledger: deadLedger, consumption }),
      });
      const input = consumptionInput(acct);
      return worker.runUntil(async () => {
        const reservation = await s.temporal.client.workflow.executeUpdateWithStart(reservationUpdate, {
          startWorkflowOperation: new WithStartWorkflowOperation(CONSUMPTION_WORKFLOW_TYPE, {
            workflowId: input.consumptionId,
            taskQueue,
            args: [input],
            workflowIdConflictPolicy: 'USE_EXISTING',
          }),
        });
        if (reservation.status === 'reserved') await s.temporal.client.workflow.getHandle(input.consumptionId).terminate('test over');
        return reservation;
      });
    };
    expect(await run('fail_closed')).toMatchObject({ status: 'unavailable', holdId: null });
    expect(await run('fail_open')).toMatchObject({ status: 'reserved', failOpen: true, holdId: null, reason: 'ledger_unavailable' });
    await unreachable.destroy();
    expect(await available(acct)).toBe('10.00');
  });

  it('in shadow mode records what would happen and never blocks or touches balances', async () => {
    const acct = await fundedAccount(s.ledger.deps, null, { enforcementMode: 'shadow' });
    const started = await call(s.api, 'POST', '/v1/consumptions', {
      body: { accountId: acct, feature: 'chat', quantity: '3', idempotencyKey: uniqueKey() },
    });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ status: 'reserved', enforcementMode: 'shadow', holdId: null });
    const done = await call(s.api, 'POST', `/v1/consumptions/${started.body!.consumptionId}/complete`, { body: { actualQuantity: '3' } });
    expect(done.body).toMatchObject({ status: 'completed', burned: null });
    const shadow = await s.ledger.deps.db.selectFrom('shadow_entries').selectAll().where('account_id', '=', acct).orderBy('id').execute();
    expect(shadow.map((e) => [e.step, e.amount, e.would_block])).toEqual([
      ['reserve', 300n, true],
      ['commit', 300n, true],
    ]);
    expect(await entriesOf(acct)).toEqual([]);
    // The shadow report counts the consumption once: at its reserve, where enforce would have refused it.
    const report = await call(s.api, 'GET', '/v1/reports/shadow?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z');
    expect((report.body!.data as { accountId: string }[]).filter((row) => row.accountId === acct)).toEqual([
      {
        accountId: acct,
        feature: 'chat',
        creditType: 'ai',
        refused: { count: 1, credits: '3.00' },
        shadowed: { count: 1, credits: '3.00' },
      },
    ]);
  });
});
