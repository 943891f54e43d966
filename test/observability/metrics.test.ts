/**
 * R-O1: GET /metrics on the API's and the worker's own listeners, behind a
 * bearer token, with the metrics the dashboards and alerts use. The stack is
 * the one `npm start` wires (test/helpers/stack.ts); the dashboard and the
 * alert rules are read from deploy/ and every metric they name must be in a
 * real scrape after some traffic.
 */
import { readFile } from 'node:fs/promises';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { useRunningStack } from '../helpers/stack.js';

const TOKEN = 'metrics-test-token-0123456789';
// No relay timer firing during the file (commits still wake the relay: the outbox-lag case holds it back).
const stack = useRunningStack({ METRICS_TOKEN: TOKEN, OUTBOX_RELAY_INTERVAL_SECONDS: '3600' });

async function scrape(url: string, token: string | null = TOKEN) {
  const response = await fetch(`${url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

/** `name{labels} value` lines of one scrape, by metric name. */
function samples(text: string) {
  const found: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    found.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return found;
}

function value(text: string, name: string, labels: Record<string, string> = {}): number {
  const matching = samples(text).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return matching.reduce((sum, s) => sum + s.value, 0);
}

/** The metric names a PromQL expression reads (histogram series named by their base metric). */
function metricNames(expression: string): string[] {
  return [...expression.matchAll(/\b((?:burndown|temporal|process|nodejs)_[a-z0-9_]+)/g)].map((m) =>
    m[1]!.replace(/_(bucket|sum|count)$/, ''),
  );
}

describe('metrics endpoints', () => {
  beforeAll(async () => {
    expect((await stack.call('POST', '/v1/credit-types', { id: 'ai', name: 'AI credits', precision: 2 })).status).toBe(201);
    expect((await stack.call('POST', '/v1/accounts', { id: 'acme', name: 'Acme' })).status).toBe(201);
    expect((await stack.call('POST', '/v1/accounts/acme/grants', { creditType: 'ai', amount: '100', source: 'promo' })).status).toBe(201);
    expect((await stack.call('POST', '/v1/accounts/acme/deduct', { creditType: 'ai', amount: '1' })).status).toBe(200);
    expect((await stack.call('POST', '/v1/accounts/acme/deduct', { creditType: 'ai', amount: '1000' })).status).toBe(402);
    const replayed = { 'idempotency-key': 'metrics-replay-1' };
    await stack.call('POST', '/v1/accounts/acme/deduct', { creditType: 'ai', amount: '2' }, replayed);
    await stack.call('POST', '/v1/accounts/acme/deduct', { creditType: 'ai', amount: '2' }, replayed);
    // A consumption saga: a workflow with activities, for the Temporal SDK's own metrics.
    const started = await stack.call('POST', '/v1/consumptions', {
      accountId: 'acme',
      feature: 'chat',
      estimate: '1',
      idempotencyKey: 'metrics-saga-1',
    });
    expect(started.status).toBe(201);
    const done = await stack.call('POST', `/v1/consumptions/${started.body.consumptionId}/complete`, { actualQuantity: '1' });
    expect(done.body).toMatchObject({ status: 'completed' });
  });

  it('answers only with the bearer token, on listeners apart from the API port', async () => {
    for (const endpoint of [stack.api.metrics!, stack.worker.metrics!]) {
      expect(endpoint.url).not.toBe(stack.api.url);
      expect((await scrape(endpoint.url, null)).status).toBe(401);
      expect((await scrape(endpoint.url, 'wrong-token-of-the-same-size!')).status).toBe(401);
      const ok = await scrape(endpoint.url);
      expect(ok.status).toBe(200);
      expect(ok.type).toContain('text/plain');
    }
    // Not on the public port unless METRICS_LISTEN=public (and then with the token).
    expect((await stack.call('GET', '/metrics')).status).toBe(404);
    // The worker's listener is also its Kubernetes probe target, without the token.
    const health = await fetch(`${stack.worker.metrics!.url}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
  });

  it('times requests by route template (never the raw URL), and counts 402s and idempotent replays', async () => {
    const { text } = await scrape(stack.api.metrics!.url);
    const deduct = { method: 'POST', route: '/v1/accounts/{id}/deduct' };
    expect(value(text, 'burndown_http_request_duration_seconds_count', { ...deduct, status: '200' })).toBeGreaterThanOrEqual(3);
    expect(value(text, 'burndown_http_request_duration_seconds_count', { ...deduct, status: '402' })).toBe(1);
    const routes = new Set(samples(text).flatMap((s) => (s.labels.route ? [s.labels.route] : [])));
    expect([...routes].filter((r) => r.includes('acme'))).toEqual([]);
    expect(routes).toContain('/v1/consumptions/{id}/complete');
    expect(value(text, 'burndown_http_payment_required_total', { route: deduct.route })).toBe(1);
    expect(value(text, 'burndown_idempotent_replays_total', { route: deduct.route })).toBe(1);
  });

  it('counts ledger operations by outcome with their latency, and exports the lock-wait histogram', async () => {
    const { text } = await scrape(stack.api.metrics!.url);
    expect(value(text, 'burndown_ledger_operations_total', { operation: 'deduct', outcome: 'ok' })).toBe(2);
    expect(value(text, 'burndown_ledger_operations_total', { operation: 'deduct', outcome: 'insufficient_credits' })).toBe(1);
    expect(value(text, 'burndown_ledger_operations_total', { operation: 'grant', outcome: 'ok' })).toBe(1);
    // The saga's activities run in this process too: its hold and commit are counted.
    expect(value(text, 'burndown_ledger_operations_total', { operation: 'hold', outcome: 'ok' })).toBe(1);
    expect(value(text, 'burndown_ledger_operations_total', { operation: 'commit_hold', outcome: 'ok' })).toBe(1);
    expect(value(text, 'burndown_ledger_operation_duration_seconds_count', { operation: 'deduct' })).toBe(3);
    // The replayed deduct is answered from its Idempotency-Key record inside the ledger call: no operation, no error.
    expect(value(text, 'burndown_ledger_operations_total', { operation: 'deduct' })).toBe(3);
    expect(value(text, 'burndown_ledger_operations_total', { outcome: 'error' })).toBe(0);
    // The ledger's own locks are taken inside its one SQL call (ledger_execute), so they are in the operation's
    // latency above; the lock-wait histogram times the locking statements made outside the ledger.
    expect(text).toContain('# TYPE burndown_lock_wait_seconds histogram');
  });

  it('reads the outbox lag, dead letters, reconciliation, dependencies and pool from the process at scrape time', async () => {
    const db = stack.core.db;
    // A stuck relay: its state row held, as by a relay step that hangs. The event's commit wakes the relay, which waits here.
    const stuck = await db.transaction().execute(async (tx) => {
      await sql`insert into outbox_relay_state (name) values ('default') on conflict do nothing`.execute(tx);
      await sql`select 1 from outbox_relay_state where name = 'default' for update`.execute(tx);
      await sql`insert into outbox_events (id, account_id, type, payload, occurred_at, created_at)
                values ('metrics-lag-1', 'acme', 'test.lag', '{}', now() - interval '10 minutes', now() - interval '10 minutes')`.execute(
        db,
      );
      await sql`insert into finance_reconciliations (id, ran_at, status, checked, discrepancies)
                values ('rec-metrics-1', now(), 'discrepancies', '{}', '[{"kind":"a"},{"kind":"b"}]')`.execute(db);
      // One reading serves scrapes for a few seconds: wait it out, then read the new state.
      await new Promise((resolve) => setTimeout(resolve, 5_500));
      return scrape(stack.worker.metrics!.url);
    });
    const { text } = stuck;
    expect(value(text, 'burndown_outbox_lag_seconds')).toBeGreaterThanOrEqual(600);
    expect(value(text, 'burndown_outbox_pending_events')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'burndown_reconciliation_discrepancies')).toBe(2);
    expect(value(text, 'burndown_webhook_dead_letters')).toBe(0);
    expect(value(text, 'burndown_dependency_up', { dependency: 'postgres' })).toBe(1);
    expect(value(text, 'burndown_dependency_up', { dependency: 'temporal' })).toBe(1);
    expect(value(text, 'burndown_db_pool_connections', { state: 'max' })).toBe(20);
    expect(value(text, 'burndown_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
  });

  it("includes the Temporal SDK's own worker metrics on the worker's endpoint", async () => {
    const { text } = await scrape(stack.worker.metrics!.url);
    expect(value(text, 'temporal_workflow_completed_total', { workflow_type: 'consumptionWorkflow' })).toBeGreaterThanOrEqual(1);
    // The saga's ledger steps are local activities: timed by the SDK under their own name.
    expect(value(text, 'temporal_local_activity_execution_latency_seconds_count', { activity_type: 'reserveConsumption' })).toBe(1);
    expect(samples(text).some((s) => s.name === 'temporal_worker_task_slots_available')).toBe(true);
  });

  it('exports every metric that deploy/prometheus/alerts.yml and deploy/grafana/burndown.json name', async () => {
    const alerts = parse(await readFile('deploy/prometheus/alerts.yml', 'utf8')) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    const dashboard = JSON.parse(await readFile('deploy/grafana/burndown.json', 'utf8')) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const named = new Map<string, string>();
    for (const rule of alerts.groups.flatMap((g) => g.rules))
      for (const name of metricNames(rule.expr)) named.set(name, `alert ${rule.alert}`);
    for (const panel of dashboard.panels)
      for (const target of panel.targets ?? []) for (const name of metricNames(target.expr)) named.set(name, `panel ${panel.title}`);
    expect(named.size).toBeGreaterThan(20);

    const exported = new Set<string>();
    for (const endpoint of [stack.api.metrics!, stack.worker.metrics!]) {
      const { text } = await scrape(endpoint.url);
      for (const line of text.split('\n')) {
        const type = /^# TYPE (\S+) /.exec(line);
        if (type) exported.add(type[1]!);
      }
    }
    const missing = [...named].filter(([name]) => !exported.has(name)).map(([name, where]) => `${name} (${where})`);
    expect(missing).toEqual([]);
  });
});
