import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { disputeStateQuery, disputeWorkflowId } from '../../src/contracts/disputes.js';
import { eventCatalog } from '../../src/notifications/catalog.js';
import { call, useApi } from '../helpers/api.js';
import { fundedAccount, useLedgerFixture } from '../helpers/ledger.js';
import { recordHistory } from '../helpers/temporal.js';
import { useTimeSkippingWorker } from '../grants/time-skipping.js';

const f = useLedgerFixture();
const taskQueue = `disputes-${randomBytes(4).toString('hex')}`;
const SLA_HOURS = 24;
const api = useApi(f, { TEMPORAL_TASK_QUEUE: taskQueue, DISPUTE_SLA_HOURS: String(SLA_HOURS) });
const t = useTimeSkippingWorker(
  () => ({ ledger: f.deps }),
  () => f.clock,
  taskQueue,
);
let support: string;
let finance: string;

beforeAll(async () => {
  // The API starts and updates workflows on the time-skipping server the worker polls.
  api.deps.temporal = t.env.client;
  support = await api.key(['support'], undefined, 'sam@example.com');
  finance = await api.key(['finance'], undefined, 'fin@example.com');
});

async function burn(accountId: string, amount: string, usageEventId?: string) {
  const res = await call(api, 'POST', `/v1/accounts/${accountId}/deduct`, {
    body: { creditType: 'ai', amount, feature: 'chat', usageEventId },
  });
  expect(res.status).toBe(200);
  return res.body!.transactionId as string;
}

const available = async (accountId: string) =>
  (await call(api, 'GET', `/v1/accounts/${accountId}/balance`)).body!.balances.find((b: { creditType: string }) => b.creditType === 'ai')
    .available as string;

async function events(type: string, disputeId: string) {
  const rows = await f.deps.db.selectFrom('outbox_events').selectAll().where('type', '=', type).execute();
  return rows.filter((r) => (r.payload as { disputeId?: string }).disputeId === disputeId).map((r) => r.payload);
}

describe('disputes as cases (HTTP + time-skipping Temporal + PostgreSQL)', () => {
  it('a customer opens a case on its own burn only; input is checked; one open case per burn', async () => {
    await t.syncClock();
    const acct = await fundedAccount(f.deps);
    const other = await fundedAccount(f.deps);
    const tx = await burn(acct, '12.50');
    const otherTx = await burn(other, '1');
    const customer = await api.key(['customer'], acct);

    const both = await call(api, 'POST', '/v1/disputes', { key: customer, body: { transactionId: tx, usageEventId: 'e1', reason: 'x' } });
    expect(both.status).toBe(400);
    const unknown = await call(api, 'POST', '/v1/disputes', { key: customer, body: { transactionId: tx, reason: 'x', refund: true } });
    expect(unknown.status).toBe(400);
    expect(unknown.body!.errors).toEqual([expect.objectContaining({ path: 'refund', code: 'unknown_field' })]);
    // Another account's burn, named directly or through that account: 404 either way.
    expect((await call(api, 'POST', '/v1/disputes', { key: customer, body: { transactionId: otherTx, reason: 'not mine' } })).status).toBe(
      404,
    );
    const foreign = await call(api, 'POST', '/v1/disputes', {
      key: customer,
      body: { accountId: other, transactionId: otherTx, reason: 'x' },
    });
    expect(foreign.status).toBe(404);

    const opened = await call(api, 'POST', '/v1/disputes', {
      key: customer,
      body: { transactionId: tx, reason: 'Charged twice for one report' },
    });
    expect(opened.status).toBe(201);
    expect(opened.body).toEqual({
      id: expect.stringMatching(/^dsp_/),
      accountId: acct,
      subject: { type: 'transaction', transactionId: tx, usageEventId: null },
      creditType: 'ai',
      disputedAmount: '12.50',
      reason: 'Charged twice for one report',
      status: 'open',
      slaDueAt: new Date(f.clock.now().getTime() + SLA_HOURS * 3_600_000).toISOString(),
      openedAt: f.clock.now().toISOString(),
      resolution: null,
      links: { transaction: `/v1/transactions/${tx}` },
    });
    const id = opened.body!.id as string;
    const [payload] = await events('dispute.opened', id);
    expect(eventCatalog['dispute.opened'].payload.parse(payload)).toMatchObject({
      disputedAmount: '12.50',
      reason: 'Charged twice for one report',
    });

    const again = await call(api, 'POST', '/v1/disputes', { key: customer, body: { transactionId: tx, reason: 'again' } });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'dispute_already_open', disputeId: id });
    // Customers read their own cases, never another account's, and may not decide them.
    const otherCustomer = await api.key(['customer'], other);
    expect((await call(api, 'GET', `/v1/disputes/${id}`, { key: otherCustomer })).status).toBe(404);
    expect((await call(api, 'GET', '/v1/disputes', { key: otherCustomer })).body!.data).toEqual([]);
    expect((await call(api, 'GET', '/v1/disputes', { key: customer })).body!.data.map((d: { id: string }) => d.id)).toEqual([id]);
    const decide = await call(api, 'POST', `/v1/disputes/${id}/reject`, { key: customer, body: { explanation: 'no' } });
    expect(decide.status).toBe(403);
    // The dispute view of the burn links to the case.
    const story = await call(api, 'GET', `/v1/transactions/${tx}`, { key: customer });
    expect(story.body!.disputes).toEqual([{ id, accountId: acct, status: 'open', link: `/v1/disputes/${id}` }]);
  });

  it('the wallet opens a case on a usage event; support assigns, notes and resolves it with a refund of that event’s burn', async () => {
    await t.syncClock();
    const acct = await fundedAccount(f.deps);
    const tx = await burn(acct, '30', 'evt-report-7');
    expect(await available(acct)).toBe('70.00');
    const token = (await call(api, 'POST', `/v1/accounts/${acct}/session-tokens`, { body: { ttlSeconds: 600 }, idempotencyKey: null }))
      .body!.token as string;

    const opened = await call(api, 'POST', '/v1/disputes', {
      key: token,
      body: { usageEventId: 'evt-report-7', reason: 'The report failed' },
    });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({
      subject: { type: 'usage_event', transactionId: tx, usageEventId: 'evt-report-7' },
      disputedAmount: '30.00',
    });
    expect(opened.body!.owner).toBeUndefined();
    const id = opened.body!.id as string;

    const assigned = await call(api, 'POST', `/v1/disputes/${id}/assign`, { key: support, body: {} });
    expect(assigned.status).toBe(200);
    expect(assigned.body).toMatchObject({ status: 'investigating', owner: 'sam@example.com', queue: 'disputes', openedByCustomer: true });
    const noteKey = `note-${id}`;
    const note = await call(api, 'POST', `/v1/disputes/${id}/notes`, {
      key: support,
      body: { body: 'Job log shows a crash' },
      idempotencyKey: noteKey,
    });
    expect(note.body!.notes).toEqual([expect.objectContaining({ author: 'sam@example.com', body: 'Job log shows a crash' })]);
    // A retried request replays its answer and adds no second note.
    await call(api, 'POST', `/v1/disputes/${id}/notes`, { key: support, body: { body: 'Job log shows a crash' }, idempotencyKey: noteKey });
    expect((await call(api, 'GET', `/v1/disputes/${id}`, { key: support })).body!.notes).toHaveLength(1);

    const resolved = await call(api, 'POST', `/v1/disputes/${id}/resolve`, {
      key: support,
      body: { explanation: 'Crash on our side; refunded.' },
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({
      status: 'resolved',
      decidedBy: 'sam@example.com',
      resolution: { outcome: 'resolved', explanation: 'Crash on our side; refunded.', refundedAmount: '30.00' },
    });
    expect(await available(acct)).toBe('100.00');
    const refundTx = resolved.body!.resolution.refundTransactionId as string;
    const refund = await f.deps.db.selectFrom('ledger_transactions').selectAll().where('id', '=', refundTx).executeTakeFirstOrThrow();
    expect(refund).toMatchObject({ kind: 'refund', related_transaction_id: tx, actor: 'sam@example.com' });

    // The customer is told, and sees the outcome but not support's notes.
    const [told] = await events('dispute.resolved', id);
    expect(eventCatalog['dispute.resolved'].payload.parse(told)).toMatchObject({
      outcome: 'resolved',
      refunded: '30.00',
      refundTransactionId: refundTx,
    });
    const seen = await call(api, 'GET', `/v1/disputes/${id}`, { key: token });
    expect(seen.body).toMatchObject({ status: 'resolved', resolution: { refundedAmount: '30.00' } });
    expect(seen.body!.notes).toBeUndefined();

    const late = await call(api, 'POST', `/v1/disputes/${id}/reject`, { key: support, body: { explanation: 'changed my mind' } });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'dispute_closed' });
    const audit = await call(api, 'GET', `/v1/audit?accountId=${acct}`, { key: finance });
    expect(audit.body!.data.map((r: { action: string; actor: string }) => [r.action, r.actor])).toEqual([
      ['dispute.resolve', 'sam@example.com'],
      ['burn.refund', 'sam@example.com'],
      ['dispute.note', 'sam@example.com'],
      ['dispute.assign', 'sam@example.com'],
      ['dispute.open', `wallet:${acct}`],
    ]);
    const handle = t.env.client.workflow.getHandle(disputeWorkflowId(id));
    expect(await handle.result()).toEqual({ disputeId: id, status: 'resolved', escalated: false });
    await recordHistory(handle, 'dispute-resolved-refund');
  });

  it('a rejection refunds nothing and tells the customer why; a refund the ledger refuses leaves the case open', async () => {
    await t.syncClock();
    const acct = await fundedAccount(f.deps);
    const tx = await burn(acct, '5');
    const opened = await call(api, 'POST', '/v1/disputes', {
      key: support,
      body: { accountId: acct, transactionId: tx, reason: 'Customer called' },
    });
    const id = opened.body!.id as string;
    // Support refunded the burn directly meanwhile: the case's refund finds nothing left.
    await call(api, 'POST', `/v1/accounts/${acct}/refunds`, { body: { transactionId: tx, reason: 'refunded by hand' } });
    const refused = await call(api, 'POST', `/v1/disputes/${id}/resolve`, { key: support, body: { explanation: 'refund' } });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'nothing_to_refund' });
    expect((await call(api, 'GET', `/v1/disputes/${id}`, { key: support })).body).toMatchObject({ status: 'open', resolution: null });

    const rejected = await call(api, 'POST', `/v1/disputes/${id}/reject`, {
      key: support,
      body: { explanation: 'Already refunded by hand' },
    });
    expect(rejected.body).toMatchObject({ status: 'rejected', resolution: { outcome: 'rejected', refundedAmount: null } });
    expect(await available(acct)).toBe('100.00');
    expect(await events('dispute.resolved', id)).toEqual([
      expect.objectContaining({ outcome: 'rejected', explanation: 'Already refunded by hand' }),
    ]);
  });

  it('escalates a case still unresolved when its SLA passes to the escalation queue, once', async () => {
    await t.syncClock();
    const acct = await fundedAccount(f.deps);
    const tx = await burn(acct, '7');
    const opened = await call(api, 'POST', '/v1/disputes', {
      key: support,
      body: { accountId: acct, transactionId: tx, reason: 'Slow case' },
    });
    const id = opened.body!.id as string;
    await call(api, 'POST', `/v1/disputes/${id}/assign`, { key: support, body: { owner: 'kim@example.com' } });
    expect(await events('dispute.escalated', id)).toEqual([]);

    await t.env.sleep(SLA_HOURS * 3_600_000 + 60_000);
    const handle = t.env.client.workflow.getHandle(disputeWorkflowId(id));
    await expect.poll(() => handle.query(disputeStateQuery), { timeout: 20_000 }).toMatchObject({ escalated: true });
    const escalated = await call(api, 'GET', `/v1/disputes?queue=disputes-escalated&accountId=${acct}`, { key: support });
    expect(escalated.body!.data).toEqual([
      expect.objectContaining({ id, status: 'investigating', owner: 'kim@example.com', escalatedAt: expect.any(String) }),
    ]);
    const [payload] = await events('dispute.escalated', id);
    expect(eventCatalog['dispute.escalated'].payload.parse(payload)).toMatchObject({
      queue: 'disputes-escalated',
      owner: 'kim@example.com',
    });

    const resolved = await call(api, 'POST', `/v1/disputes/${id}/resolve`, {
      key: support,
      body: { explanation: 'Goodwill', refund: true, amount: '2' },
    });
    expect(resolved.body).toMatchObject({ status: 'resolved', queue: 'disputes-escalated', resolution: { refundedAmount: '2.00' } });
    expect(await handle.result()).toEqual({ disputeId: id, status: 'resolved', escalated: true });
    expect(await events('dispute.escalated', id)).toHaveLength(1);
    await recordHistory(handle, 'dispute-escalated');
  });
});
