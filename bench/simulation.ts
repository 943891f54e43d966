/**
 * npm run bench:simulation [-- --events N] [--accounts N]
 *
 * Pricing simulation (issue 18, docs/PRICING-SIMULATION.md) on this machine,
 * in one process: embedded PostgreSQL and a Temporal dev server (in
 * .data/bench-simulation), the Burndown worker and API as `npm start`
 * assembles them. Seeds a month (June 2026) of N burned usage events (default
 * 1,000,000) over 1,000 accounts (every tenth in the startup cohort, fifty
 * with a negotiated chat rate) across chat, tokens, gpu and images, with
 * varied quantities; POSTs a simulation of pricing 2026-07 over the month,
 * polls GET /v1/pricing/simulations/{id} until it completes, checks that every
 * event was rated once and that the actual credits equal the stored costs, and
 * prints the time and events/s. The target (1M events within 5 minutes) lives
 * here, never in a timed test.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { createCreditType } from '../src/ledger/index.js';
import type { Database } from '../src/db/database.js';
import { withFullStack } from './full-stack.js';

const { values: flags } = parseArgs({ options: { events: { type: 'string' }, accounts: { type: 'string' } } });
const EVENTS = Number(flags.events ?? 1_000_000);
const ACCOUNTS = Number(flags.accounts ?? 1000);
const TARGET_SECONDS = 300;
const CHUNK = 250_000;
const log = (message: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const seconds = (from: number) => (performance.now() - from) / 1000;

/** A month of burned events, set-based: feature by g % 4, quantities varied so most ratings are distinct. */
async function seed(db: Database) {
  await sql`insert into accounts (id, name, cohort) select 'bench-' || g, 'bench', case when g % 10 = 0 then 'startup' end
    from generate_series(0, ${ACCOUNTS - 1}::int) g`.execute(db);
  await sql`insert into price_overrides (id, account_id, feature, rate, effective_from, reason, created_by, created_at)
    select 'pov_bench_' || g, 'bench-' || g, 'chat', '0.80', '2026-06-15T00:00:00Z', 'bench contract', 'bench', now()
    from generate_series(1, ${ACCOUNTS - 1}::int, ${Math.max(1, Math.floor(ACCOUNTS / 50))}::int) g`.execute(db);
  for (let done = 0; done < EVENTS; done += CHUNK) {
    const n = Math.min(CHUNK, EVENTS - done);
    await sql`
      insert into usage_events (id, account_id, feature, quantity, properties, event_time, received_at, status, enforcement_mode,
        pricing_version, credit_type, cost, processed_at)
      select 'evt-' || g, 'bench-' || (g % ${ACCOUNTS}::int), f.feature, f.quantity::text, '{}', t.at, t.at, 'burned', 'enforce',
        '2026-01', 'ai', f.cost, t.at
      from generate_series(${done}::int8, ${done + n - 1}::int8) g,
        lateral (select timestamptz '2026-06-01T00:00:00Z' + (g * (2592000.0 / ${EVENTS}::int)) * interval '1 second' as at) t,
        lateral (select (array['chat', 'tokens', 'gpu', 'images'])[g % 4 + 1] as feature,
          (array[1, 1 + (g * 7919) % 4000, 1 + (g * 31) % 3600, 1 + g % 20])[g % 4 + 1] as quantity) q,
        lateral (select q.feature, q.quantity,
          (array[100, ceil(q.quantity * 2 / 1000.0), q.quantity, q.quantity * 150])[g % 4 + 1]::int8 as cost) f`.execute(db);
    log(`  seeded ${(done + n).toLocaleString()} / ${EVENTS.toLocaleString()} events`);
  }
  await sql`analyze usage_events`.execute(db);
  await sql`analyze accounts`.execute(db);
}

async function main() {
  const env = { TEMPORAL_TASK_QUEUE: 'burndown-bench-simulation', METRICS_LISTEN: 'off', WORKER_METRICS_LISTEN: 'off' };
  await withFullStack('simulation', { postgres: 5496, temporal: 7296 }, env, async ({ core, api, key }) => {
    await createCreditType(core.db, { id: 'ai', name: 'AI credits', precision: 2 });
    await createCreditType(core.db, { id: 'storage', name: 'Storage credits', precision: 2 });
    const seeding = performance.now();
    await seed(core.db);
    log(`seeded ${EVENTS.toLocaleString()} events over ${ACCOUNTS} accounts in ${seconds(seeding).toFixed(1)} s; simulating`);

    const started = performance.now();
    const res = await fetch(`${api.url}/v1/pricing/simulations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ candidate: '2026-07', from: '2026-06-01T00:00:00Z', to: '2026-07-01T00:00:00Z' }),
    });
    const created = (await res.json()) as { id: string };
    if (res.status !== 202) throw new Error(`POST /v1/pricing/simulations answered ${res.status}: ${JSON.stringify(created)}`);
    let view: { state: string; total: number | null; rated: number; totals: { creditType: string; actual: string; simulated: string }[] };
    for (;;) {
      const poll = await fetch(`${api.url}/v1/pricing/simulations/${created.id}`, { headers: { authorization: `Bearer ${key}` } });
      view = (await poll.json()) as typeof view;
      if (view.state !== 'running') break;
      if (Math.round(seconds(started)) % 10 === 0) log(`progress ${view.rated.toLocaleString()} / ${view.total?.toLocaleString() ?? '…'}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const total = seconds(started);
    const stored = (await sql<{ units: string }>`select sum(cost)::text as units from usage_events`.execute(core.db)).rows[0]!.units;
    const actual = (
      await sql<{ units: string }>`select sum(actual_units)::text as units from pricing_simulation_results
      where simulation_id = ${created.id}`.execute(core.db)
    ).rows[0]!.units;
    const ai = view.totals.find((t) => t.creditType === 'ai');
    console.log(`| pricing simulation, ${EVENTS.toLocaleString()} events, ${ACCOUNTS} accounts, one month | value |`);
    console.log('|---|---|');
    console.log(`| POST to completed | ${total.toFixed(1)} s (${(EVENTS / total).toFixed(0)} events/s) |`);
    console.log(`| outcome | ${view.state}, rated ${view.rated} of ${view.total}; actual ai ${ai?.actual}, simulated ${ai?.simulated} |`);
    console.log(`| actual = stored costs | ${stored === actual ? 'yes' : `NO (${stored} vs ${actual})`} |`);
    const met = total < TARGET_SECONDS * (EVENTS / 1_000_000) && view.state === 'completed' && view.rated === EVENTS && stored === actual;
    console.log(`| target: 1M events within ${TARGET_SECONDS} s | ${met ? 'met' : 'NOT met'} |`);
  });
}

await main();
