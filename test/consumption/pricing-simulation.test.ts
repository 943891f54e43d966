import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { simulationWorkflowId, type SimulationProgress } from '../../src/contracts/pricing.js';
import { call } from '../helpers/api.js';
import { recordHistory } from '../helpers/temporal.js';
import { fundedAccount, meterOnce, uniqueKey, useConsumptionStack } from './fixture.js';

const s = useConsumptionStack();
const path = '/v1/pricing/simulations';
const window = { from: '2026-06-01T00:00:00Z', to: '2026-07-01T00:00:00Z' };

const meter = () => meterOnce(s);

async function finished(id: string) {
  for (let i = 0; i < 300; i++) {
    const res = await call(s.api, 'GET', `${path}/${id}`);
    expect(res.status, res.text).toBe(200);
    if (res.body!.state !== 'running') return res.body!;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`simulation ${id} did not finish`);
}

const results = async (id: string) =>
  (await call(s.api, 'GET', `${path}/${id}/results?limit=1000`)).body!.data as Record<string, unknown>[];
const ledgerRows = async () =>
  Number(
    (
      await s.ledger.deps.db
        .selectFrom('ledger_entries')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

/**
 * Three accounts with June usage burned at 2026-01 prices: one on the list
 * price, one in the startup cohort, one with a negotiated chat rate from
 * June 12. Each test simulates over their events only.
 */
async function juneUsage() {
  s.ledger.clock.set(new Date('2026-06-15T12:00:00Z'));
  const list = await fundedAccount(s.ledger.deps, '1000');
  const startup = await fundedAccount(s.ledger.deps, '1000', { cohort: 'startup' });
  const contract = await fundedAccount(s.ledger.deps, '1000');
  const made = await call(s.api, 'POST', `/v1/accounts/${contract}/price-overrides`, {
    body: { feature: 'chat', rate: '0.80', effectiveFrom: '2026-06-12T00:00:00Z', reason: 'contract' },
  });
  expect(made.status, made.text).toBe(201);
  const event = (accountId: string, feature: string, quantity: string, timestamp: string) => ({
    id: uniqueKey('evt'),
    accountId,
    feature,
    quantity,
    timestamp,
  });
  const events = [
    event(list, 'chat', '3', '2026-06-10T10:00:00Z'),
    event(list, 'tokens', '1200', '2026-06-11T10:00:00Z'),
    event(list, 'tokens', '1200', '2026-06-12T10:00:00Z'),
    event(startup, 'chat', '1', '2026-06-10T10:00:00Z'),
    event(startup, 'chat', '1', '2026-06-14T10:00:00Z'),
    event(contract, 'chat', '1', '2026-06-11T10:00:00Z'),
    event(contract, 'chat', '1', '2026-06-13T10:00:00Z'),
  ];
  expect((await call(s.api, 'POST', '/v1/events', { body: { events } })).body).toMatchObject({ accepted: 7 });
  await meter();
  return { list, startup, contract };
}

describe('pricing simulation (HTTP, PostgreSQL, Temporal)', () => {
  it('re-rates a window under a candidate version: actual against simulated credits per account and feature, ledger untouched', async () => {
    const { list, startup, contract } = await juneUsage();
    const before = await ledgerRows();
    const finance = await s.api.key(['finance'], undefined, 'pat@finance');
    const res = await call(s.api, 'POST', path, {
      key: finance,
      body: { candidate: '2026-07', ...window, accounts: [list, startup, contract] },
    });
    expect(res.status, res.text).toBe(202);
    expect(res.headers.get('location')).toBe(`${path}/${res.body!.id}`);
    expect(res.body).toMatchObject({ candidate: '2026-07', state: 'running', createdBy: 'pat@finance' });
    const done = await finished(res.body!.id);
    expect(done).toMatchObject({ state: 'completed', total: 7, rated: 7, failure: null });
    // 2026-01 → 2026-07: chat 1.00 → 1.50 (startup 0.50 → 0.75), tokens 0.02 → 0.03 per 1000 (1200: 0.03 → 0.04 rounded up).
    expect(done.totals).toEqual([
      { creditType: 'ai', events: 7, actual: '5.86', simulated: '8.38', difference: '2.52', unratedEvents: 0, unpricedEvents: 0 },
    ]);
    const rows = await results(res.body!.id);
    const row = (accountId: string, feature: string) => rows.find((r) => r.accountId === accountId && r.feature === feature);
    expect(row(list, 'chat')).toMatchObject({ events: 1, actual: '3.00', simulated: '4.50', difference: '1.50' });
    expect(row(list, 'tokens')).toMatchObject({ events: 2, actual: '0.06', simulated: '0.08', difference: '0.02' });
    expect(row(startup, 'chat')).toMatchObject({ events: 2, actual: '1.00', simulated: '1.50', difference: '0.50' });
    // The negotiated rate stays in force from June 12 whatever the version: only the event before it moves.
    expect(row(contract, 'chat')).toMatchObject({ events: 2, actual: '1.80', simulated: '2.30', difference: '0.50' });
    expect(rows).toHaveLength(4);
    expect(await ledgerRows()).toBe(before);

    // Paged: one row at a time, in account, feature order.
    const first = await call(s.api, 'GET', `${path}/${res.body!.id}/results?limit=1`, { key: finance });
    const second = await call(s.api, 'GET', `${path}/${res.body!.id}/results?limit=1&cursor=${first.body!.nextCursor}`, { key: finance });
    expect([first.body!.data[0], second.body!.data[0]]).toEqual(rows.slice(0, 2));
    expect((await call(s.api, 'GET', `${path}/${res.body!.id}/results?cursor=nonsense`)).status).toBe(400);
    const audit = await s.ledger.deps.db.selectFrom('audit_log').selectAll().where('action', '=', 'pricing_simulation.create').execute();
    expect(audit.find((a) => a.target_id === res.body!.id)).toMatchObject({ actor: 'pat@finance' });
    await recordHistory(s.temporal.client.workflow.getHandle(simulationWorkflowId(res.body!.id)), 'pricing-simulation');
  });

  it('rates inline rules page by page with the same sums; what the candidate does not price is counted, not guessed', async () => {
    const { list, startup, contract } = await juneUsage();
    const rules = { features: { chat: { creditType: 'ai', rounding: 'up', rate: { kind: 'per_call', credits: '2' } } } };
    const res = await call(s.api, 'POST', path, { body: { candidate: rules, ...window, accounts: [list, startup, contract] } });
    expect(res.status, res.text).toBe(202);
    const done = await finished(res.body!.id);
    expect(done).toMatchObject({ candidate: 'inline', state: 'completed', rated: 7 });
    // No cohorts inline: the startup account pays the default 2 too; the override keeps 0.80 from June 12.
    expect(done.totals).toEqual([
      { creditType: 'ai', events: 7, actual: '5.86', simulated: '12.80', difference: '6.94', unratedEvents: 0, unpricedEvents: 2 },
    ]);

    // The same simulation by pages of 2 events (the workflow started directly): identical sums.
    const paged = await call(s.api, 'POST', path, { body: { candidate: rules, ...window, accounts: [list, startup, contract] } });
    await finished(paged.body!.id);
    // A copy of it, not yet rated, for a workflow started with pages of 2.
    const again = { id: `${paged.body!.id}p` };
    const fresh = {
      id: again.id,
      state: 'running',
      workflow_id: simulationWorkflowId(again.id),
      total_events: null,
      rated_events: 0,
      cursor_account: null,
      cursor_time: null,
      cursor_id: null,
      finished_at: null,
    };
    await sql`insert into pricing_simulations select (jsonb_populate_record(p, ${JSON.stringify(fresh)}::jsonb)).*
      from pricing_simulations p where p.id = ${paged.body!.id}`.execute(s.ledger.deps.db);
    const handle = await s.temporal.client.workflow.start('pricingSimulationWorkflow', {
      taskQueue: s.temporal.taskQueue,
      workflowId: simulationWorkflowId(again.id),
      args: [{ simulationId: again.id, pageSize: 2 }],
    });
    expect((await handle.result()) as SimulationProgress).toEqual({ simulationId: again.id, state: 'completed', total: 7, rated: 7 });
    expect(await results(again.id)).toEqual(await results(res.body!.id));
    await recordHistory(handle, 'pricing-simulation-paged');

    // A stored candidate that no longer reads as a pricing file fails on every try: the simulation is marked failed, not retried forever.
    const broken = {
      ...fresh,
      id: `${paged.body!.id}x`,
      workflow_id: simulationWorkflowId(`${paged.body!.id}x`),
      candidate: { rules: 'none' },
    };
    await sql`insert into pricing_simulations select (jsonb_populate_record(p, ${JSON.stringify(broken)}::jsonb)).*
      from pricing_simulations p where p.id = ${paged.body!.id}`.execute(s.ledger.deps.db);
    const failing = await s.temporal.client.workflow.start('pricingSimulationWorkflow', {
      taskQueue: s.temporal.taskQueue,
      workflowId: broken.workflow_id,
      args: [{ simulationId: broken.id, pageSize: 2 }],
    });
    expect(await failing.result()).toMatchObject({ simulationId: broken.id, state: 'failed', rated: 0 });
    expect(await finished(broken.id)).toMatchObject({ state: 'failed', failure: 'The stored candidate is not a pricing file' });
    await recordHistory(failing, 'pricing-simulation-failed');
  });

  it('refuses bad requests with field errors and keeps writes to admin and finance', async () => {
    const bad = async (body: unknown) => {
      const res = await call(s.api, 'POST', path, { body });
      expect(res.status, res.text).toBe(400);
      return res.body!.errors.map((e: { path: string }) => e.path);
    };
    expect(await bad({ candidate: '1999-01', ...window })).toEqual(['candidate']);
    expect(await bad({ candidate: '2026-07', from: window.to, to: window.from })).toEqual(['to']);
    expect(await bad({ candidate: '2026-07', ...window, colour: 'red' })).toContain('colour');
    expect(
      await bad({
        candidate: { features: { chat: { creditType: 'gold', rounding: 'up', rate: { kind: 'per_call', credits: '1' } } } },
        ...window,
      }),
    ).toEqual(['candidate.features.chat.creditType']);
    const support = await s.api.key(['support']);
    expect((await call(s.api, 'POST', path, { key: support, body: { candidate: '2026-07', ...window } })).status).toBe(403);
    expect((await call(s.api, 'GET', `${path}/sim_nope`)).status).toBe(404);
  });
});
