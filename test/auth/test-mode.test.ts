import { describe, expect, it } from 'vitest';
import { createApiKey, type Scope } from '../../src/auth/api-keys.js';
import { call, useApi } from '../helpers/api.js';
import { fundedAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const api = useApi(f);

const testKey = async (scopes: Scope[], accountId?: string) =>
  (await createApiKey(f.deps.db, { name: 'test mode', subject: `test-mode-${scopes.join('+')}`, scopes, accountId, mode: 'test' })).token;

let counter = 0;
/** An account made through the API with a test-mode key, funded with 100 ai credits. */
async function testAccount(key: string): Promise<string> {
  const id = `tm_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
  const made = await call(api, 'POST', '/v1/accounts', { key, body: { id, name: `Test mode ${id}` } });
  expect(made.status, made.text).toBe(201);
  expect(made.body!.mode).toBe('test');
  const granted = await call(api, 'POST', `/v1/accounts/${id}/grants`, { key, body: { creditType: 'ai', amount: '100', source: 'promo' } });
  expect(granted.status, granted.text).toBe(201);
  return id;
}

describe('test mode: keys are live or test', () => {
  it('POST /v1/api-keys makes a test key (bd_test_…) that rolls as a test key; a test admin makes test keys only', async () => {
    const made = await call(api, 'POST', '/v1/api-keys', {
      body: { name: 'sandbox', subject: 'svc:sandbox', scopes: ['admin'], mode: 'test' },
    });
    expect(made.status, made.text).toBe(201);
    expect(made.body).toMatchObject({ mode: 'test' });
    expect(made.body!.token).toMatch(/^bd_test_[0-9a-f]{16}_/);
    const key = made.body!.token as string;
    expect((await call(api, 'GET', '/v1/me', { key })).body).toMatchObject({ mode: 'test' });
    // The mode is part of the token: the same id and secret presented as live is refused.
    expect((await call(api, 'GET', '/v1/me', { key: key.replace('bd_test_', 'bd_live_') })).status).toBe(401);

    const rolled = await call(api, 'POST', `/v1/api-keys/${made.body!.id}/roll`, { body: {} });
    expect(rolled.status, rolled.text).toBe(200);
    expect(rolled.body!.token).toMatch(/^bd_test_/);
    expect(rolled.body!.mode).toBe('test');
    const after = rolled.body!.token as string;

    const live = await call(api, 'POST', '/v1/api-keys', {
      key: after,
      body: { name: 'x', subject: 'svc:x', scopes: ['service'], mode: 'live' },
    });
    expect(live.status).toBe(400);
    const implicit = await call(api, 'POST', '/v1/api-keys', { key: after, body: { name: 'y', subject: 'svc:y', scopes: ['service'] } });
    expect(implicit.status, implicit.text).toBe(201);
    expect(implicit.body!.token).toMatch(/^bd_test_/);

    // Lists show the caller's mode; a live key's id is a 404 to a test admin.
    const listed = await call(api, 'GET', '/v1/api-keys?limit=200', { key: after });
    expect(listed.body!.data.length).toBeGreaterThan(0);
    expect(listed.body!.data.every((k: { mode: string }) => k.mode === 'test')).toBe(true);
    const liveKeys = await call(api, 'GET', '/v1/api-keys?limit=200');
    expect(liveKeys.body!.data.every((k: { mode: string }) => k.mode === 'live')).toBe(true);
    const liveId = liveKeys.body!.data[0].id as string;
    expect((await call(api, 'GET', `/v1/api-keys/${liveId}`, { key: after })).status).toBe(404);
    expect((await call(api, 'POST', `/v1/api-keys/${liveId}/revoke`, { key: after })).status).toBe(404);
  });

  it('a session token inherits the mode of the key that issued it', async () => {
    const key = await testKey(['admin', 'service']);
    const id = await testAccount(key);
    const issued = await call(api, 'POST', `/v1/accounts/${id}/session-tokens`, { key, body: {}, idempotencyKey: null });
    expect(issued.status, issued.text).toBe(201);
    const session = issued.body!.token as string;
    expect((await call(api, 'GET', '/v1/me', { key: session })).body).toMatchObject({ mode: 'test', accountId: id });
    expect((await call(api, 'GET', `/v1/accounts/${id}/balance`, { key: session })).status).toBe(200);
    const row = await f.deps.db.selectFrom('session_tokens').select('mode').where('account_id', '=', id).executeTakeFirstOrThrow();
    expect(row.mode).toBe('test');
  });
});

describe('test mode: data is isolated, enforced by route access for every route', () => {
  it('a test account is a 404 to live keys, a live account a 404 to test keys, on account routes', async () => {
    const key = await testKey(['admin']);
    const mine = await testAccount(key);
    const live = await fundedAccount(f.deps);
    for (const path of ['', '/balance', '/grants', '/transactions', '/audit']) {
      expect((await call(api, 'GET', `/v1/accounts/${mine}${path}`)).status, `live → test ${path}`).toBe(404);
      expect((await call(api, 'GET', `/v1/accounts/${live}${path}`, { key })).status, `test → live ${path}`).toBe(404);
      expect((await call(api, 'GET', `/v1/accounts/${mine}${path}`, { key })).status, `test → test ${path}`).toBe(200);
    }
    const deduct = { creditType: 'ai', amount: '1' };
    expect((await call(api, 'POST', `/v1/accounts/${mine}/deduct`, { body: deduct })).status).toBe(404);
    expect((await call(api, 'POST', `/v1/accounts/${live}/deduct`, { key, body: deduct })).status).toBe(404);
    expect((await call(api, 'POST', `/v1/accounts/${mine}/deduct`, { key, body: deduct })).status).toBe(200);
    // A pool never spans modes: a live parent does not exist for a test account.
    const child = await call(api, 'POST', '/v1/accounts', { key, body: { id: `${mine}_child`, name: 'child', parentId: live } });
    expect(child.status).toBe(400);
    expect((await call(api, 'PATCH', `/v1/accounts/${mine}`, { key, body: { parentId: live } })).status).toBe(404);
    // A key bound to an account of the other mode cannot be made.
    const bound = await call(api, 'POST', '/v1/api-keys', { body: { name: 'b', subject: 'svc:b', scopes: ['customer'], accountId: mine } });
    expect(bound.status).toBe(404);
  });

  it('resources named by their own id (holds, grants, transactions) are 404s across modes', async () => {
    const key = await testKey(['admin', 'service']);
    const mine = await testAccount(key);
    const hold = await call(api, 'POST', `/v1/accounts/${mine}/holds`, { key, body: { creditType: 'ai', amount: '5' } });
    expect(hold.status, hold.text).toBe(201);
    const holdId = hold.body!.id as string;
    expect(holdId).toMatch(/./);
    expect((await call(api, 'GET', `/v1/holds/${holdId}`)).status).toBe(404);
    expect((await call(api, 'POST', `/v1/holds/${holdId}/release`, { body: {} })).status).toBe(404);
    const own = await call(api, 'GET', `/v1/holds/${holdId}`, { key });
    expect(own.status, own.text).toBe(200);

    const grants = await call(api, 'GET', `/v1/accounts/${mine}/grants`, { key });
    const grantId = grants.body!.data[0].id as string;
    expect((await call(api, 'GET', `/v1/grants/${grantId}`)).status).toBe(404);
    expect((await call(api, 'POST', `/v1/grants/${grantId}/void`, { body: { reason: 'x' } })).status).toBe(404);
    expect((await call(api, 'GET', `/v1/grants/${grantId}`, { key })).status).toBe(200);

    const deducted = await call(api, 'POST', `/v1/accounts/${mine}/deduct`, { key, body: { creditType: 'ai', amount: '1' } });
    const transactionId = deducted.body!.transactionId as string;
    expect(transactionId).toMatch(/./);
    expect((await call(api, 'GET', `/v1/transactions/${transactionId}`)).status).toBe(404);
    expect((await call(api, 'GET', `/v1/transactions/${transactionId}`, { key })).status).toBe(200);

    // And the other way round: a live grant is a 404 to the test key.
    const live = await fundedAccount(f.deps);
    const liveGrants = await call(api, 'GET', `/v1/accounts/${live}/grants`);
    expect((await call(api, 'GET', `/v1/grants/${liveGrants.body!.data[0].id}`, { key })).status).toBe(404);
  });

  it('a batch refuses the items of the other mode one by one', async () => {
    const key = await testKey(['service']);
    const live = await fundedAccount(f.deps);
    const mine = await testAccount(await testKey(['admin']));
    const event = (accountId: string, id: string) => ({
      id,
      accountId,
      feature: 'chat',
      quantity: '1',
      timestamp: f.deps.clock().toISOString(),
    });
    const sent = await call(api, 'POST', '/v1/events', { key, body: { events: [event(mine, 'e1'), event(live, 'e2')] } });
    expect(sent.status, sent.text).toBe(202);
    expect(
      sent.body!.results.map((r: { status: string }) => r.status),
      sent.text,
    ).toEqual(['accepted', 'rejected']);
  });

  it('lists show the key’s mode only; the books are live only', async () => {
    const key = await testKey(['admin']);
    const mine = await testAccount(key);
    const live = await fundedAccount(f.deps);
    const testList = await call(api, 'GET', '/v1/accounts?limit=200', { key });
    const testIds = testList.body!.data.map((a: { id: string }) => a.id);
    expect(testIds).toContain(mine);
    expect(testIds).not.toContain(live);
    const liveList = await call(api, 'GET', `/v1/accounts?query=${mine}`);
    expect(liveList.body!.data).toEqual([]);

    const audit = await call(api, 'GET', '/v1/audit?limit=500', { key });
    expect(audit.status).toBe(200);
    expect(audit.body!.data.some((r: { accountId: string }) => r.accountId === mine)).toBe(true);
    expect(audit.body!.data.every((r: { accountId: string | null }) => r.accountId !== null && r.accountId.startsWith('tm_'))).toBe(true);
    const liveAudit = await call(api, 'GET', `/v1/audit?accountId=${mine}`);
    expect(liveAudit.body!.data).toEqual([]);

    expect((await call(api, 'GET', '/v1/finance/periods', { key })).status).toBe(403);
  });
});
