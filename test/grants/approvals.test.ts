import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { grantApprovalWorkflowId, grantExpiryWorkflowId } from '../../src/contracts/grants.js';
import { call, useApi } from '../helpers/api.js';
import { newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { recordHistory } from '../helpers/temporal.js';
import { useTimeSkippingWorker } from './time-skipping.js';

const f = useLedgerFixture();
const taskQueue = `approvals-${randomBytes(4).toString('hex')}`;
const api = useApi(f, {
  TEMPORAL_TASK_QUEUE: taskQueue,
  GRANT_APPROVAL_LIMITS: '{"support":"100","admin":"1000"}',
  GRANT_APPROVAL_TIMEOUT_HOURS: '24',
});
const t = useTimeSkippingWorker(
  () => ({ ledger: f.deps }),
  () => f.clock,
  taskQueue,
);
let keys: { support: string; alice: string; aliceApprover: string; bob: string; finance: string };

beforeAll(async () => {
  // The API starts and updates workflows on the time-skipping server the worker polls.
  api.deps.temporal = t.env.client;
  keys = {
    support: await api.key(['support'], undefined, 'sam@example.com'),
    alice: await api.key(['support', 'approver'], undefined, 'alice@example.com'),
    aliceApprover: await api.key(['approver'], undefined, 'alice@example.com'),
    bob: await api.key(['approver'], undefined, 'bob@example.com'),
    finance: await api.key(['finance'], undefined, 'fin@example.com'),
  };
});

const supportGrant = (amount: string, extra: Record<string, unknown> = {}) => ({
  creditType: 'ai',
  amount,
  reasonCode: 'service_outage',
  reason: 'Outage on 3 March cost the customer a day of work',
  ...extra,
});

async function outbox(type: string, approvalId: string) {
  const rows = await f.deps.db.selectFrom('outbox_events').selectAll().where('type', '=', type).execute();
  return rows.filter((r) => (r.payload as { approvalId?: string }).approvalId === approvalId);
}

describe('support grants and approvals (HTTP + time-skipping Temporal + PostgreSQL)', () => {
  it('needs a reason code from the list and free text', async () => {
    const acct = await newAccount(f.deps);
    const res = await call(api, 'POST', `/v1/accounts/${acct}/support-grants`, {
      key: keys.support,
      body: { creditType: 'ai', amount: '5', reasonCode: 'because' },
    });
    expect(res.status).toBe(400);
    expect(res.body!.errors.map((e: { path: string }) => e.path).sort()).toEqual(['reason', 'reasonCode']);
  });

  it('issues a grant within the caller’s limit at once, and audits it with who, where and why', async () => {
    const acct = await newAccount(f.deps);
    const res = await call(api, 'POST', `/v1/accounts/${acct}/support-grants`, {
      key: keys.support,
      body: supportGrant('100'),
      headers: { 'x-request-id': 'req-within-limit' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'granted',
      grant: { amount: '100.00', source: 'support', reasonCode: 'service_outage', issuedBy: 'sam@example.com' },
    });
    const audit = await call(api, 'GET', `/v1/audit?accountId=${acct}`, { key: keys.finance });
    expect(audit.body!.data).toEqual([
      expect.objectContaining({
        action: 'grant.issue',
        actor: 'sam@example.com',
        requestId: 'req-within-limit',
        sourceIp: expect.stringMatching(/127\.0\.0\.1/),
        reason: 'service_outage: Outage on 3 March cost the customer a day of work',
        before: null,
        after: expect.objectContaining({ id: res.body!.grant.id, amount: '100.00' }),
      }),
    ]);
  });

  it('holds a grant above the limit for approval; self-approval is 403; another approver applies it', async () => {
    const t0 = await t.syncClock();
    const acct = await newAccount(f.deps);
    const expiresAt = new Date(t0.getTime() + 30 * 86_400_000).toISOString();
    const pending = await call(api, 'POST', `/v1/accounts/${acct}/support-grants`, {
      key: keys.alice,
      body: supportGrant('500', { expiresAt }),
    });
    expect(pending.status).toBe(202);
    const approvalId = pending.body!.approval.id as string;
    expect(pending.body!.approval).toMatchObject({
      status: 'pending',
      requestedBy: 'alice@example.com',
      grant: { amount: '500', expiresAt },
    });
    expect((await call(api, 'GET', `/v1/accounts/${acct}/grants`)).body!.data).toEqual([]);
    const listed = await call(api, 'GET', '/v1/approvals?status=pending&limit=500', { key: keys.bob });
    expect(listed.body!.data.map((a: { id: string }) => a.id)).toContain(approvalId);
    expect(await outbox('grant.pending_approval', approvalId)).toHaveLength(1);

    const self = await call(api, 'POST', `/v1/approvals/${approvalId}/approve`, { key: keys.aliceApprover, body: {} });
    expect(self.status).toBe(403);
    const noScope = await call(api, 'POST', `/v1/approvals/${approvalId}/approve`, { key: keys.support, body: {} });
    expect(noScope.status).toBe(403);

    const approved = await call(api, 'POST', `/v1/approvals/${approvalId}/approve`, {
      key: keys.bob,
      body: { reason: 'checked the incident' },
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', decidedBy: 'bob@example.com', decisionReason: 'checked the incident' });
    const grantId = approved.body!.grantId as string;
    const grant = await call(api, 'GET', `/v1/grants/${grantId}`);
    expect(grant.body).toMatchObject({
      amount: '500.00',
      remaining: '500.00',
      expiresAt,
      issuedBy: 'alice@example.com',
      metadata: { approvalId, approvedBy: 'bob@example.com' },
    });
    expect(await outbox('grant.approved', approvalId)).toHaveLength(1);
    // The approved grant has its expiry timer.
    const timer = await t.env.client.workflow.getHandle(grantExpiryWorkflowId(grantId)).describe();
    expect(timer.type).toBe('grantExpiryWorkflow');

    const again = await call(api, 'POST', `/v1/approvals/${approvalId}/reject`, { key: keys.bob, body: { reason: 'changed my mind' } });
    expect(again.status).toBe(409);
    const audit = await call(api, 'GET', `/v1/audit?targetId=${approvalId}`, { key: keys.finance });
    expect(audit.body!.data.map((r: { action: string; actor: string }) => [r.action, r.actor])).toEqual([
      ['approval.approve', 'bob@example.com'],
      ['approval.request', 'alice@example.com'],
    ]);
    expect(audit.body!.data[0]).toMatchObject({ before: { status: 'pending' }, after: { status: 'approved', grantId } });
    const handle = t.env.client.workflow.getHandle(grantApprovalWorkflowId(approvalId));
    expect(await handle.result()).toMatchObject({ status: 'approved', grantId });
    await recordHistory(handle, 'grant-approval');
  });

  it('a rejection records the reason and issues nothing', async () => {
    const acct = await newAccount(f.deps);
    const pending = await call(api, 'POST', `/v1/accounts/${acct}/support-grants`, { key: keys.support, body: supportGrant('250') });
    const approvalId = pending.body!.approval.id as string;
    const rejected = await call(api, 'POST', `/v1/approvals/${approvalId}/reject`, { key: keys.bob, body: { reason: 'too generous' } });
    expect(rejected.body).toMatchObject({
      status: 'rejected',
      decidedBy: 'bob@example.com',
      decisionReason: 'too generous',
      grantId: null,
    });
    expect((await call(api, 'GET', `/v1/accounts/${acct}/grants`)).body!.data).toEqual([]);
    expect(await outbox('grant.rejected', approvalId)).toHaveLength(1);
  });

  it('times out to rejected; an approval after the timeout is refused', async () => {
    const acct = await newAccount(f.deps);
    const pending = await call(api, 'POST', `/v1/accounts/${acct}/support-grants`, { key: keys.support, body: supportGrant('300') });
    const approvalId = pending.body!.approval.id as string;
    const handle = t.env.client.workflow.getHandle(grantApprovalWorkflowId(approvalId));
    expect(await handle.result()).toMatchObject({ status: 'rejected', decidedBy: 'system:approval-timeout' });
    const late = await call(api, 'POST', `/v1/approvals/${approvalId}/approve`, { key: keys.bob, body: {} });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'approval_not_pending', status: 409 });
    expect((await call(api, 'GET', `/v1/approvals/${approvalId}`, { key: keys.bob })).body).toMatchObject({ status: 'rejected' });
    expect((await call(api, 'GET', `/v1/accounts/${acct}/grants`)).body!.data).toEqual([]);
    await recordHistory(handle, 'grant-approval-timeout');
  });

  it('audits voids and account updates through the existing routes', async () => {
    const acct = await newAccount(f.deps);
    const granted = await call(api, 'POST', `/v1/accounts/${acct}/grants`, { body: { creditType: 'ai', amount: '10', source: 'promo' } });
    await call(api, 'POST', `/v1/grants/${granted.body!.id}/void`, { body: { reason: 'issued twice' } });
    await call(api, 'PATCH', `/v1/accounts/${acct}`, { body: { name: 'Renamed Inc.' } });
    const audit = await call(api, 'GET', `/v1/audit?accountId=${acct}`);
    const [update, voided] = audit.body!.data;
    expect(update).toMatchObject({ action: 'account.update', actor: 'test-admin', after: { name: 'Renamed Inc.' } });
    expect(update.before.name).not.toBe('Renamed Inc.');
    expect(voided).toMatchObject({
      action: 'grant.void',
      reason: 'issued twice',
      before: { status: 'active' },
      after: { status: 'voided' },
    });
    // The log is append-only in the database itself.
    await expect(f.deps.db.deleteFrom('audit_log').where('account_id', '=', acct).execute()).rejects.toThrow(/append-only/);
  });
});
