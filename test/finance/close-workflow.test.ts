import { WorkflowIdReusePolicy } from '@temporalio/client';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { createApiKey, createApiKeyVerifier } from '../../src/auth/api-keys.js';
import { loadConfig } from '../../src/config/config.js';
import { httpAdapter, postingKey } from '../../src/finance/adapters/http.js';
import { parsePeriod, periodOf } from '../../src/finance/periods.js';
import { reconcile } from '../../src/finance/reconciliation.js';
import { deduct, issueGrant } from '../../src/ledger/index.js';
import { createLogger } from '../../src/logger.js';
import { enforcementDefaults } from '../../src/settings/enforcement.js';
import { fixedEnforcement } from '../../src/settings/live-enforcement.js';
import { closeWorkflowId, type MonthEndCloseInput } from '../../src/contracts/finance.js';
import { useTimeSkippingWorker } from '../grants/time-skipping.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { recordHistory } from '../helpers/temporal.js';
import { startFakeAccounting, type FakeAccounting } from './fake-accounting.js';

const DAY = 86_400_000;
const f = useLedgerFixture();
let accounting: FakeAccounting;
beforeAll(async () => {
  accounting = await startFakeAccounting();
});
const t = useTimeSkippingWorker(
  () => ({
    ledger: f.deps,
    finance: {
      accountsFile: 'accounting/accounts.yaml',
      fxRatesFile: 'accounting/fx-rates.yaml',
      adapter: httpAdapter({ baseUrl: accounting.url, timeoutMs: 5000 }),
      lateEventWindowMs: 7 * DAY,
    },
  }),
  () => f.clock,
);

let baseUrl = '';
let server: Server;
const keys: Record<string, string> = {};
beforeAll(async () => {
  const config = loadConfig({ BURNDOWN_ENV: 'test', LOG_LEVEL: 'silent', TEMPORAL_TASK_QUEUE: t.taskQueue, LATE_EVENT_WINDOW_DAYS: '7' });
  const app = createApp({
    config,
    db: f.deps.db,
    clock: f.deps.clock,
    logger: createLogger('silent', 'test-api'),
    ledger: f.deps,
    temporal: t.env.client,
    verifyApiKey: createApiKeyVerifier(f.deps.db),
    enforcement: fixedEnforcement(enforcementDefaults(config)),
    problemContext: { buyCreditsUrl: (id) => `http://test/v1/accounts/${id}/purchases` },
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  for (const person of ['alice', 'bob']) {
    keys[person] = (await createApiKey(f.deps.db, { name: person, subject: `${person}@example.com`, scopes: ['finance'] })).token;
  }
});
afterAll(async () => {
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  await accounting?.close();
});

let sequence = 0;
async function api(person: string, method: 'GET' | 'POST', path: string) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${keys[person]}`, ...(method === 'POST' && { 'idempotency-key': `k-${++sequence}` }) },
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies of several shapes
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** Polls the close's GET endpoint (the real read path) until it reports the step. */
const stepOf = async (period: string) => (await api('alice', 'GET', `/v1/finance/periods/${period}`)).body.step as string;

describe('month-end close workflow (R-I3)', () => {
  it('waits out the late window on a durable timer, freezes, computes, refuses self-approval, posts once; a re-run posts nothing again', async () => {
    const now = new Date(await t.env.currentTimeMs());
    const period = parsePeriod(periodOf(now));
    const a = await newAccount(f.deps);
    f.clock.set(new Date(period.start.getTime() + 3_600_000));
    await issueGrant(
      f.deps,
      { accountId: a, creditType: 'ai', amount: '300', source: 'purchase', costBasis: { amount: '10.00', currency: 'USD' } },
      actor,
    );
    await issueGrant(
      f.deps,
      { accountId: a, creditType: 'ai', amount: '50', source: 'purchase', costBasis: { amount: '40.00', currency: 'EUR' } },
      actor,
    );
    await deduct(f.deps, { accountId: a, creditType: 'ai', amount: '100' }, { ...actor, feature: 'chat' });

    const started = await api('alice', 'POST', `/v1/finance/periods/${period.id}/close`);
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({
      period: period.id,
      workflowId: `close-${period.id}`,
      started: true,
      startedBy: 'alice@example.com',
    });
    const again = await api('bob', 'POST', `/v1/finance/periods/${period.id}/close`);
    expect(again.body).toMatchObject({ started: false, startedBy: 'alice@example.com' });

    await expect.poll(() => stepOf(period.id)).toBe('waiting_late_events');
    const waiting = await api('alice', 'GET', `/v1/finance/periods/${period.id}`);
    expect(waiting.body).toMatchObject({
      status: 'waiting_late_events',
      lateEventsUntil: new Date(period.end.getTime() + 7 * DAY).toISOString(),
      frozenAt: null,
    });
    expect((await api('bob', 'POST', `/v1/finance/periods/${period.id}/approve`)).status).toBe(409);

    // Skip the server's clock past the end of the month plus the 7-day window.
    await t.env.sleep(period.end.getTime() + 7 * DAY - now.getTime() + 60_000);
    await expect.poll(() => stepOf(period.id), { timeout: 30_000 }).toBe('awaiting_approval');
    const computed = await api('alice', 'GET', `/v1/finance/periods/${period.id}`);
    expect(computed.body.status).toBe('computed');
    expect(Date.parse(computed.body.frozenAt)).toBeGreaterThanOrEqual(period.end.getTime() + 7 * DAY);
    expect(
      (computed.body.totals.balances as { debitsMinor: string; creditsMinor: string }[]).every((b) => b.debitsMinor === b.creditsMinor),
    ).toBe(true);
    expect(
      await f.deps.db.selectFrom('closed_periods').select('closed_by').where('period_start', '=', period.start).executeTakeFirst(),
    ).toEqual({ closed_by: 'alice@example.com' });

    const selfApproval = await api('alice', 'POST', `/v1/finance/periods/${period.id}/approve`);
    expect(selfApproval.status).toBe(403);
    expect(selfApproval.body.detail).toContain('cannot approve');

    const approved = await api('bob', 'POST', `/v1/finance/periods/${period.id}/approve`);
    expect(approved.status).toBe(200);
    expect(approved.body.approvedBy).toBe('bob@example.com');

    const handle = t.env.client.workflow.getHandle(closeWorkflowId(period.id));
    const result = await handle.result();
    expect(result).toMatchObject({ step: 'posted', approvedBy: 'bob@example.com', posting: { adapter: 'http', skipped: 0 } });
    const lineCount = computed.body.totals.lineCount as number;
    expect(lineCount).toBe(6); // USD and EUR sales, USD recognition (the older USD grant burns first): two lines each
    expect(result.posting!.posted).toBe(lineCount);
    expect(accounting.requests).toHaveLength(lineCount);
    expect(new Set(accounting.requests.map((r) => r.key)).size).toBe(lineCount);
    expect(accounting.requests[0]!.key).toBe(postingKey(period.id, accounting.requests[0]!.lineId));
    await recordHistory(handle, 'month-end-close');

    const done = await api('alice', 'GET', `/v1/finance/periods/${period.id}`);
    expect(done.body).toMatchObject({ status: 'posted', approvedBy: 'bob@example.com', adapter: 'http' });
    // Starting the finished close again is the same close.
    expect((await api('alice', 'POST', `/v1/finance/periods/${period.id}/close`)).body).toMatchObject({ started: false, status: 'posted' });

    // An operator re-run of the whole workflow: the freeze, journal and postings are kept; nothing is posted twice.
    const input: MonthEndCloseInput = {
      period: period.id,
      startedBy: 'carol@example.com',
      lateEventsUntil: new Date(period.end.getTime() + 7 * DAY).toISOString(),
    };
    const rerun = await t.env.client.workflow.start('monthEndCloseWorkflow', {
      workflowId: closeWorkflowId(period.id),
      taskQueue: t.taskQueue,
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    });
    await expect.poll(() => stepOf(period.id), { timeout: 30_000 }).toBe('awaiting_approval');
    expect((await api('bob', 'POST', `/v1/finance/periods/${period.id}/approve`)).status).toBe(200);
    const second = await rerun.result();
    expect(second.frozenAt).toBe(result.frozenAt);
    expect(second.posting).toEqual({ adapter: 'http', posted: 0, skipped: lineCount });
    expect(accounting.requests).toHaveLength(lineCount);

    // The nightly reconciliation agrees with the accounting system, then notices a line it lost.
    expect(await reconcile(f.deps.db, httpAdapter({ baseUrl: accounting.url }), new Date('2030-01-01T02:15:00Z'))).toMatchObject({
      status: 'ok',
    });
    accounting.stored.delete([...accounting.stored.keys()][0]!);
    const bad = await reconcile(f.deps.db, httpAdapter({ baseUrl: accounting.url }), new Date('2030-01-02T02:15:00Z'));
    expect(bad).toMatchObject({ status: 'discrepancies', discrepancies: 1 });
    const events = await f.deps.db
      .selectFrom('outbox_events')
      .select(['type', 'id'])
      .where('type', '=', 'finance.reconciliation.discrepancies')
      .execute();
    expect(events).toEqual([{ type: 'finance.reconciliation.discrepancies', id: `finance.reconciliation.discrepancies:${bad.id}` }]);
    const report = await api('alice', 'GET', '/v1/finance/reconciliations');
    // Newest first: the two nightly runs, then the statement check of the close (recon_close_<period>).
    expect((report.body.reconciliations as { id: string; status: string }[]).map((r) => [r.id, r.status])).toEqual([
      [bad.id, 'discrepancies'],
      ['recon_2030-01-01T02:15:00.000Z', 'ok'],
      [`recon_close_${period.id}`, 'ok'],
    ]);
    expect(report.body.reconciliations[0].discrepancies[0]).toMatchObject({ kind: 'accounting', period: period.id });
  });

  it('runs the reconciliation workflow (as the Schedule does) and records a clean report', async () => {
    const handle = await t.env.client.workflow.start('financeReconciliationWorkflow', {
      workflowId: `recon-test-${Date.now()}`,
      taskQueue: t.taskQueue,
      args: [],
    });
    const result = await handle.result();
    // The accounting system still misses the line deleted above: the workflow reports it, the ledger itself is sound.
    expect(result).toMatchObject({ status: 'discrepancies', discrepancies: 1 });
    await recordHistory(handle, 'finance-reconciliation');
  });
});
