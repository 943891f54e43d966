import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { call, useApi } from '../helpers/api.js';
import { newAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const api = useApi(f, {
  // Approval workflows are started on a queue nobody polls: they wait, as pending approvals do.
  TEMPORAL_TASK_QUEUE: `function-limits-${randomBytes(4).toString('hex')}`,
  GRANT_APPROVAL_LIMITS: '{"support":"1000"}',
  GRANT_DAILY_LIMITS: '{"support":"2000"}',
});

const supportGrant = (amount: string) => ({ creditType: 'ai', amount, reasonCode: 'service_outage', reason: 'outage credit' });

describe('finding 7: function-level limits', () => {
  it('a support key cannot split a large grant into many below its approval limit (rolling daily cap per person and account)', async () => {
    const account = await newAccount(f.deps);
    const key = await api.key(['support'], undefined, 'sam@example.com');
    const direct = (amount: string) =>
      call(api, 'POST', `/v1/accounts/${account}/grants`, { key, body: { creditType: 'ai', amount, source: 'support' } });
    expect((await direct('1000')).status).toBe(201);
    expect((await direct('1000')).status).toBe(201);
    const third = await direct('1000');
    expect(third.status).toBe(403);
    expect(third.body!.detail).toMatch(/support-grants/);
    const viaApproval = await call(api, 'POST', `/v1/accounts/${account}/support-grants`, { key, body: supportGrant('500') });
    expect(viaApproval.status).toBe(202);
    expect(viaApproval.body!.status).toBe('pending');
    // Another person, or another account, has a cap of its own.
    const other = await api.key(['support'], undefined, 'ria@example.com');
    expect((await call(api, 'POST', `/v1/accounts/${account}/support-grants`, { key: other, body: supportGrant('500') })).status).toBe(201);
  });

  it('concurrent grants by one person cannot together pass the daily cap (the check and the grant hold one lock)', async () => {
    const account = await newAccount(f.deps);
    const key = await api.key(['support'], undefined, 'kim@example.com');
    // Six at once, each within the approval limit, with a cap of two of them: exactly two are issued, on both paths.
    const direct = () =>
      call(api, 'POST', `/v1/accounts/${account}/grants`, { key, body: { creditType: 'ai', amount: '1000', source: 'support' } });
    const viaSupport = () => call(api, 'POST', `/v1/accounts/${account}/support-grants`, { key, body: supportGrant('1000') });
    const responses = await Promise.all([direct(), viaSupport(), direct(), viaSupport(), direct(), viaSupport()]);
    const issued = responses.filter((r) => r.status === 201);
    expect(issued).toHaveLength(2);
    expect(responses.filter((r) => r.status === 403 || (r.status === 202 && r.body!.status === 'pending'))).toHaveLength(4);
    const balance = await call(api, 'GET', `/v1/accounts/${account}/balance`, { key: await api.key(['admin']) });
    expect(balance.body?.balances[0].available).toMatch(/^2000(\.0+)?$/);
  });

  it('money-backed grants need the payments (or admin) scope, not service', async () => {
    const account = await newAccount(f.deps);
    const body = { creditType: 'ai', amount: '10', source: 'purchase', costBasis: { amount: '1000.00', currency: 'USD' } };
    const service = await api.key(['service']);
    expect((await call(api, 'POST', `/v1/accounts/${account}/grants`, { key: service, body })).status).toBe(403);
    const payments = await api.key(['payments']);
    expect((await call(api, 'POST', `/v1/accounts/${account}/grants`, { key: payments, body })).status).toBe(201);
  });

  it('overdraft limits and enforcement mode need the admin scope', async () => {
    const account = await newAccount(f.deps);
    const support = await api.key(['support']);
    const patch = (key: string, body: unknown) =>
      call(api, 'PATCH', `/v1/accounts/${account}`, { key, body, idempotencyKey: randomBytes(8).toString('hex') });
    expect((await patch(support, { overdraftLimit: { ai: '1000000' } })).status).toBe(403);
    expect((await patch(support, { enforcementMode: 'off' })).status).toBe(403);
    expect((await patch(support, { cohort: 'beta' })).status).toBe(200);
    expect((await patch(api.adminKey, { enforcementMode: 'shadow' })).status).toBe(200);
  });

  it('a support key cannot extend or remove a grant’s expiry', async () => {
    const account = await newAccount(f.deps);
    const grant = await call(api, 'POST', `/v1/accounts/${account}/grants`, {
      body: { creditType: 'ai', amount: '5', source: 'promo', expiresAt: '2026-02-01T00:00:00Z' },
    });
    expect(grant.status).toBe(201);
    const support = await api.key(['support']);
    const move = (expiresAt: string | null) =>
      call(api, 'POST', `/v1/grants/${grant.body!.id}/expiry`, { key: support, body: { expiresAt, reason: 'asked by the customer' } });
    expect((await move('2027-01-01T00:00:00Z')).status).toBe(403);
    expect((await move(null)).status).toBe(403);
  });
});
