/**
 * npx tsx bench/consumption.ts [--consumptions N] [--batches N]
 *
 * Consumption figures on this machine, in one process: embedded PostgreSQL and
 * a Temporal dev server (in .data/bench-consumption), the Burndown worker and
 * API as `npm start` assembles them. Prints:
 * - saga latency, POST /v1/consumptions → 201 reserved (Update-with-Start:
 *   workflow start + reserve activity + hold in PostgreSQL), p50/p95/max,
 *   and POST /complete → burned;
 * - the history of one consumption: its events and workflow tasks;
 * - usage-event ingest (POST /v1/events, batches of 1,000) and metering burn
 *   rate, in events per second.
 */
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { withFullStack } from './full-stack.js';
import { createAccount, createCreditType, issueGrant } from '../src/ledger/index.js';

const { values: flags } = parseArgs({ options: { consumptions: { type: 'string' }, batches: { type: 'string' } } });
const CONSUMPTIONS = Number(flags.consumptions ?? 200);
const BATCHES = Number(flags.batches ?? 20);
const log = (message: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const ms = (n: number) => `${n.toFixed(1)} ms`;

/** A finished consumption's history: how many events, how many workflow tasks, and the events in order. */
async function historyOfOne(temporal: Client, workflowId: string): Promise<string> {
  const handle = temporal.workflow.getHandle(workflowId);
  await handle.result();
  const { events } = JSON.parse(historyToJSON(await handle.fetchHistory())) as { events: { eventType: string }[] };
  const names = events.map((e) => e.eventType.replace(/^EVENT_TYPE_/, ''));
  const tasks = names.filter((n) => n === 'WORKFLOW_TASK_COMPLETED').length;
  return `${events.length} events, ${tasks} workflow tasks: ${names.join(' ')}`;
}

async function main() {
  const env = { TEMPORAL_TASK_QUEUE: 'burndown-bench', RATE_LIMIT_PER_ACCOUNT_PER_SECOND: '100000', METERING_INTERVAL_SECONDS: '3600' };
  await withFullStack('consumption', { postgres: 5498, temporal: 7298 }, env, async ({ core, areas, api, key }) => {
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${api.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    await createCreditType(core.db, { id: 'ai', name: 'AI credits', precision: 2 });
    await createCreditType(core.db, { id: 'storage', name: 'Storage credits', precision: 0 });
    const accounts = Array.from({ length: 100 }, (_, i) => `bench-${i}`);
    for (const id of accounts) {
      await createAccount(core.db, { id, name: id });
      await issueGrant(areas.ledger.deps, { accountId: id, creditType: 'ai', amount: '1000000', source: 'purchase' }, { actor: 'bench' });
    }

    log(`${CONSUMPTIONS} consumptions, one after another (warm-up 10)`);
    const reserve: number[] = [];
    const complete: number[] = [];
    let lastConsumptionId = '';
    for (let i = -10; i < CONSUMPTIONS; i++) {
      const t0 = performance.now();
      const started = await post('/v1/consumptions', {
        accountId: accounts[Math.abs(i) % 100],
        feature: 'chat',
        estimate: '2',
        idempotencyKey: randomUUID(),
      });
      const t1 = performance.now();
      if (started.status !== 201) throw new Error(`start answered ${started.status}: ${JSON.stringify(started.body)}`);
      lastConsumptionId = String(started.body.consumptionId);
      const done = await post(`/v1/consumptions/${lastConsumptionId}/complete`, { actualQuantity: '1' });
      const t2 = performance.now();
      if (done.status !== 200) throw new Error(`complete answered ${done.status}: ${JSON.stringify(done.body)}`);
      if (i >= 0) {
        reserve.push(t1 - t0);
        complete.push(t2 - t1);
      }
    }
    reserve.sort((a, b) => a - b);
    complete.sort((a, b) => a - b);
    const history = await historyOfOne(core.temporal, lastConsumptionId);

    log(`${BATCHES} batches of 1,000 usage events`);
    const now = new Date().toISOString();
    const t0 = performance.now();
    for (let b = 0; b < BATCHES; b++) {
      const events = Array.from({ length: 1000 }, (_, i) => ({
        id: `e-${b}-${i}`,
        accountId: accounts[i % 100],
        feature: 'tokens',
        quantity: '1000',
        timestamp: now,
      }));
      const res = await post('/v1/events', { events });
      if (res.body.accepted !== 1000) throw new Error(`batch ${b}: ${JSON.stringify(res.body).slice(0, 300)}`);
    }
    const ingestSeconds = (performance.now() - t0) / 1000;
    // The metering loop, woken by the first accepted batch, burns while ingest goes on: time until nothing is pending.
    const pending = async () =>
      Number(
        (
          await core.db
            .selectFrom('usage_events')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('status', '=', 'pending')
            .executeTakeFirstOrThrow()
        ).n,
      );
    while ((await pending()) > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    const burnSeconds = (performance.now() - t0) / 1000;
    const total = BATCHES * 1000;

    console.log('\n| figure | value |\n|---|---|');
    console.log(
      `| saga start → reserved (POST /v1/consumptions, Update-with-Start), n=${CONSUMPTIONS} | p50 ${ms(percentile(reserve, 50))}, p95 ${ms(percentile(reserve, 95))}, max ${ms(reserve.at(-1)!)} |`,
    );
    console.log(
      `| complete → burned (POST /complete, update waits for the commit) | p50 ${ms(percentile(complete, 50))}, p95 ${ms(percentile(complete, 95))} |`,
    );
    console.log(`| history events of one consumption (report mode, start → reserved → complete → burned) | ${history} |`);
    console.log(`| usage-event ingest, ${BATCHES} × 1,000 over HTTP, sequential | ${(total / ingestSeconds).toFixed(0)} events/s |`);
    console.log(
      `| metering burn (the metering loop, woken by ingest; all ${total} burned ${burnSeconds.toFixed(1)} s after the first batch) | ${(total / burnSeconds).toFixed(0)} events/s |`,
    );
  });
}

await main();
