import { describe, expect, it } from 'vitest';
import { call, useApi } from '../helpers/api.js';
import { burnCount, fundedAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const api = useApi(f);

describe('authentication and scopes', () => {
  it('401 without or with a wrong key', async () => {
    expect((await call(api, 'GET', '/v1/credit-types', { key: '' })).status).toBe(401);
    const wrong = await call(api, 'GET', '/v1/credit-types', { key: 'bd_live_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('an unknown path is a 404 with or without a key; a known one without a key is a 401', async () => {
    for (const path of ['/favicon.ico', '/v1/nope', '/console-typo']) {
      const res = await call(api, 'GET', path, { key: '' });
      expect(res.status, path).toBe(404);
      expect(res.body, path).toMatchObject({ code: 'route_not_found' });
      expect(res.headers.get('www-authenticate'), path).toBeNull();
    }
    expect((await call(api, 'DELETE', '/v1/credit-types', { key: '' })).status).toBe(404);
    expect((await call(api, 'GET', '/v1/accounts/anyone/balance', { key: '' })).status).toBe(401);
  });

  it('403 when the scope does not allow the action', async () => {
    const finance = await api.key(['finance']);
    const id = await fundedAccount(f.deps);
    const res = await call(api, 'POST', `/v1/accounts/${id}/deduct`, { key: finance, body: { creditType: 'ai', amount: '1' } });
    expect(res.status).toBe(403);
    expect((await call(api, 'GET', `/v1/accounts/${id}/balance`, { key: finance })).status).toBe(200);
  });

  it('a key bound to one account sees every other account as 404 (no BOLA)', async () => {
    const mine = await fundedAccount(f.deps);
    const theirs = await fundedAccount(f.deps);
    const customer = await api.key(['customer'], mine);
    expect((await call(api, 'GET', `/v1/accounts/${mine}/balance`, { key: customer })).status).toBe(200);
    for (const path of [
      `/v1/accounts/${theirs}`,
      `/v1/accounts/${theirs}/balance`,
      `/v1/accounts/${theirs}/transactions`,
      `/v1/accounts/${theirs}/grants`,
    ]) {
      const res = await call(api, 'GET', path, { key: customer });
      expect(res.status, path).toBe(404);
    }
    const theirGrant = (await call(api, 'GET', `/v1/accounts/${theirs}/grants`)).body?.data[0].id as string;
    expect((await call(api, 'GET', `/v1/grants/${theirGrant}`, { key: customer })).status).toBe(404);
    const service = await api.key(['service'], mine);
    const steal = await call(api, 'POST', `/v1/accounts/${theirs}/deduct`, { key: service, body: { creditType: 'ai', amount: '1' } });
    expect(steal.status).toBe(404);
    expect(await burnCount(f.deps.db, theirs)).toBe(0);
  });
});
