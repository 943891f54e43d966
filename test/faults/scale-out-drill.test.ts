/**
 * The scale-out drill (issue 16): two API processes and two workers, run from
 * source as `npm run api` / `npm run worker` run them, on one PostgreSQL and
 * one Temporal server. Clients spread deducts and consumption sagas over both
 * APIs; mid-load one API and one worker are SIGKILLed. Every request is
 * decided exactly once (retried with its Idempotency-Key on the survivor),
 * the sagas and auto-recharges the dead worker was running finish on the
 * survivor, balances equal the responses, and the invariants hold.
 * Throughput per second is printed; no timing is asserted (targets live in
 * the bench).
 */
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys.js';
import { rechargeWorkflowId } from '../../src/payments/recharge-trigger.js';
import { startStripeFake, type StripeFake } from '../fakes/stripe-fake.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { expectLedgerInvariants } from '../helpers/invariants.js';
import { mulberry32 } from '../helpers/random.js';
import { apiUrlOf, startStackProcess, type StackProcess } from '../helpers/stack-process.js';
import { availableUnits, expectExactlyOnce } from './scale-out-checks.js';
import { DrillClient, throughputTable, type Answer } from './scale-out-load.js';

const SEED = Number(process.env.DRILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CLIENTS = 12;
const LOAD_MS = 15_000;
const KILL_AT_MS = 6_000;
const ACCOUNTS = Array.from({ length: 6 }, (_, i) => `drill-${i}`);
const WEBHOOK_SECRET = `whsec_${randomBytes(16).toString('hex')}`;

let database: TestDatabase;
let fake: StripeFake;
let temporal: Client;
const taskQueue = `drill-${randomBytes(4).toString('hex')}`;
const processes: StackProcess[] = [];
let env: Record<string, string>;

beforeAll(async () => {
  database = await createTestDatabase(4);
  fake = await startStripeFake();
  temporal = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
  env = {
    BURNDOWN_ENV: 'production',
    SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LEDGER_ANCHOR_KEY: randomBytes(32).toString('base64'),
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '8',
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    HOST: '127.0.0.1',
    PORT: '0',
    METRICS_LISTEN: 'off',
    WORKER_METRICS_LISTEN: 'off',
    STRIPE_API_BASE: fake.url,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    // A recharge waiting for the customer (3-D Secure) waits this long; the drill settles it by webhook.
    RECHARGE_RETRY_DELAYS: '10m',
    // The safety net for a kick lost with a killed process (see docs/DEPLOY.md, "Scaling out").
    RECHARGE_SCAN_INTERVAL_SECONDS: '5',
  };
}, 60_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  // Schedule ids are the namespace's, not the task queue's: later files must not find ones pointing at this queue.
  for await (const summary of temporal?.schedule.list() ?? []) {
    const handle = temporal.schedule.getHandle(summary.scheduleId);
    const description = await handle.describe();
    if (description.action.type === 'startWorkflow' && description.action.taskQueue === taskQueue) await handle.delete();
  }
  await temporal?.connection.close();
  await fake?.close();
  if (database) {
    await expectLedgerInvariants(database.db);
    await database.destroy();
  }
});

/** Identities of the workers that completed the workflow's tasks, in order (`<pid>@<host>`). */
async function taskWorkers(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e) => e.workflowTaskCompletedEventAttributes?.identity ?? []);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('scale-out drill: 2 APIs and 2 workers, one of each SIGKILLed mid-load', () => {
  it('loses and doubles nothing; the survivors finish the dead worker’s sagas and recharges', async () => {
    console.log(`scale-out drill: seed ${SEED} (replay the choices with DRILL_SEED=${SEED})`);
    const phases: string[] = [];
    let phaseStart = Date.now();
    const phase = (name: string) => {
      phases.push(`${name} ${((Date.now() - phaseStart) / 1000).toFixed(1)} s`);
      phaseStart = Date.now();
    };
    const [workerA, apiA, apiB] = await Promise.all([
      startStackProcess('worker', env),
      startStackProcess('api', env),
      startStackProcess('api', env),
    ]);
    processes.push(workerA, apiA, apiB);
    const apis = [apiUrlOf(apiA), apiUrlOf(apiB)];
    const key = await createApiKey(database.db, { name: 'drill', subject: 'drill-admin', scopes: ['admin'] });
    const setup = new DrillClient(apis, key.token, Date.now());
    let setupSequence = 0;
    const post = async (path: string, body: unknown, expected: number) => {
      const answer = await setup.send(setupSequence, 'POST', path, `drill-setup-${++setupSequence}`, body);
      expect(answer.status, JSON.stringify(answer.body)).toBe(expected);
      return answer.body;
    };
    await post('/v1/credit-types', { id: 'ai', name: 'AI credits', precision: 2 }, 201);
    const rechargeSettings = { creditType: 'ai', enabled: true, threshold: '50', bundleId: 'ai-100', quantity: 1 };
    for (const account of [...ACCOUNTS, 'parked', 'recharge-parked']) {
      await post('/v1/accounts', { id: account, name: account }, 201);
      await post(`/v1/accounts/${account}/grants`, { creditType: 'ai', amount: '60', source: 'promo' }, 201);
      if (account !== 'parked') {
        await post(
          `/v1/accounts/${account}/auto-recharge`,
          { ...rechargeSettings, monthlyCap: { amount: '1000.00', currency: 'USD' } },
          200,
        );
      }
    }

    // While worker A is the only worker: sagas reserved and left waiting for their report, and a recharge
    // waiting for the customer to authenticate its charge. Both are worker A's when it dies.
    const parked = [];
    for (let i = 0; i < 4; i++) {
      const reserved = await post(
        '/v1/consumptions',
        { accountId: 'parked', feature: 'chat', quantity: '1', idempotencyKey: `p${i}` },
        201,
      );
      parked.push(reserved.consumptionId as string);
    }
    fake.queue('requires_action');
    await post('/v1/accounts/recharge-parked/deduct', { creditType: 'ai', amount: '15' }, 200);
    const waiting = await until('the parked recharge to wait for authentication', () =>
      database.db
        .selectFrom('purchases')
        .selectAll()
        .where('account_id', '=', 'recharge-parked')
        .where('status', '=', 'requires_action')
        .executeTakeFirst(),
    );

    phase('worker A and both APIs up, set-up and parked work');
    const workerB = await startStackProcess('worker', env);
    processes.push(workerB);
    phase('worker B up');

    // The load: CLIENTS loops, each request to the next API in turn.
    const started = Date.now();
    const client = new DrillClient(apis, key.token, started);
    const deducts: { account: string; key: string; answer: Answer }[] = [];
    const sagas: { account: string; id: string; done: Answer }[] = [];
    const refused: Answer[] = [];
    let sequence = 0;
    const loop = async (seed: number) => {
      const rand = mulberry32(seed);
      while (Date.now() - started < LOAD_MS) {
        const account = ACCOUNTS[Math.floor(rand() * ACCOUNTS.length)]!;
        const n = ++sequence;
        const idempotencyKey = `drill-${n}`;
        if (rand() < 0.6) {
          const answer = await client.send(n, 'POST', `/v1/accounts/${account}/deduct`, idempotencyKey, { creditType: 'ai', amount: '1' });
          if (answer.status === 200) deducts.push({ account, key: idempotencyKey, answer });
          else refused.push(answer);
          continue;
        }
        const start = await client.send(n, 'POST', '/v1/consumptions', idempotencyKey, {
          accountId: account,
          feature: 'chat',
          quantity: '1',
          idempotencyKey,
        });
        if (start.status !== 201) {
          refused.push(start);
          continue;
        }
        const id = start.body.consumptionId as string;
        const done = await client.send(n + 1, 'POST', `/v1/consumptions/${id}/complete`, `${idempotencyKey}-complete`, {
          actualQuantity: '1',
        });
        sagas.push({ account, id, done });
      }
    };
    const load = Promise.all(Array.from({ length: CLIENTS }, (_, i) => loop(SEED + i)));
    await new Promise((resolve) => setTimeout(resolve, KILL_AT_MS));
    await Promise.all([apiA.kill(), workerA.kill()]);
    const killedAt = Date.now() - started;
    await load;
    const loadEnded = Date.now() - started;
    phase('load');

    // Every decision is a success or a 402 (a balance run dry between recharges); nothing else.
    expect(refused.filter((a) => a.status !== 402).map((a) => a.body)).toEqual([]);
    expect(sagas.filter((s) => s.done.status !== 200 || s.done.body.status !== 'completed').map((s) => s.done.body)).toEqual([]);

    // The dead worker's parked sagas and recharge finish on the survivor (reported through the surviving API).
    for (const id of parked) {
      const done = await client.send(1, 'POST', `/v1/consumptions/${id}/complete`, `${id}-complete`, { actualQuantity: '1' });
      expect(done.body).toMatchObject({ status: 'completed' });
    }
    const intent = fake.intents.get(waiting.payment_intent_id!)!;
    Object.assign(intent, { status: 'succeeded', amount_received: intent.amount });
    const payload = JSON.stringify({
      id: `evt_drill_${SEED}`,
      object: 'event',
      type: 'payment_intent.succeeded',
      data: { object: intent },
    });
    const signature = new Stripe('sk_test_drill').webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
    const webhook = await fetch(`${apis[1]}/v1/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body: payload,
    });
    expect(await webhook.json()).toMatchObject({ outcome: 'processed' });
    const survivor = `${workerB.pid}@`;
    const dead = `${workerA.pid}@`;
    for (const handle of [...parked, rechargeWorkflowId('recharge-parked', 'ai')].map((id) => temporal.workflow.getHandle(id))) {
      await handle.result();
      const workers = await taskWorkers(handle);
      expect(
        workers.some((w) => w.startsWith(dead)),
        `${handle.workflowId}: ${workers.join(', ')}`,
      ).toBe(true);
      expect(workers.at(-1), handle.workflowId).toMatch(new RegExp(`^${survivor}`));
    }
    for (const saga of sagas) await temporal.workflow.getHandle(saga.id).result();
    phase('parked sagas and recharge finished on worker B');

    // Auto-recharges settle: none pending, every account back above its threshold.
    await until('the recharges to settle', async () => {
      const open = await database.db.selectFrom('purchases').select('id').where('status', 'in', ['pending', 'requires_action']).execute();
      const triggered = await database.db
        .selectFrom('recharge_settings')
        .select('account_id')
        .where('trigger_pending_since', 'is not', null)
        .execute();
      const below = (await Promise.all(ACCOUNTS.map((a) => availableUnits(database.db, a)))).filter((units) => units < 5000n);
      return open.length + triggered.length + below.length === 0 ? true : undefined;
    });
    phase('recharges settled');
    await expectExactlyOnce(database.db, fake, ACCOUNTS, { deducts, sagas, keyId: key.id });

    const decisions = [...deducts.map((d) => d.answer.at), ...sagas.map((s) => s.done.at)];
    const { table, before, after } = throughputTable(decisions, killedAt, LOAD_MS, Math.ceil(loadEnded / 1000));
    console.log(
      [
        `scale-out drill: ${deducts.length} deducts and ${sagas.length} sagas decided, ${refused.length} refused (402),`,
        `${client.retries} attempts retried on the other process; SIGKILL of API A and worker A at t=${(killedAt / 1000).toFixed(1)} s`,
        table,
        `  mean while the load ran: ${before}/s before the kill, ${after}/s after it`,
        `phases: ${phases.join('; ')}`,
      ].join('\n'),
    );
    // Requests completed after the kill, on the survivors (no threshold: the figures are printed above).
    expect(decisions.filter((t) => t > killedAt + 1_000).length).toBeGreaterThan(0);
    expect(client.retries).toBeGreaterThan(0);
    expect([apiB.child.exitCode, workerB.child.exitCode]).toEqual([null, null]);
  });
});
