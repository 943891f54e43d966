import { describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys.js';
import { issueSessionToken } from '../../src/auth/session-tokens.js';
import { call, useApi } from '../helpers/api.js';
import { fundedAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const api = useApi(f, { SESSION_TOKEN_TTL_SECONDS: '600', UI_ALLOWED_ORIGINS: 'http://shop.example' });

async function sessionFor(accountId: string, body: Record<string, unknown> = {}, key?: string) {
  const res = await call(api, 'POST', `/v1/accounts/${accountId}/session-tokens`, {
    key: key ?? (await api.key(['service'])),
    body,
    idempotencyKey: null,
  });
  expect(res.status, res.text).toBe(201);
  return res.body as { token: string; expiresAt: string; scopes: string[] };
}

describe('session tokens: short-lived, bound to one account, read and buy only', () => {
  it('a service key trades itself for a token that expires within the configured lifetime; only its hash is stored', async () => {
    const id = await fundedAccount(f.deps);
    const before = Date.now();
    const session = await sessionFor(id, { ttlSeconds: 3600 });
    expect(session.token).toMatch(/^bds_[0-9a-f]{16}_[A-Za-z0-9]{32}$/);
    expect(session.scopes).toEqual(['wallet']);
    const lifetime = Date.parse(session.expiresAt) - before;
    expect(lifetime).toBeGreaterThan(590_000);
    expect(lifetime).toBeLessThanOrEqual(601_000); // asked for an hour, capped at SESSION_TOKEN_TTL_SECONDS
    const rows = await f.deps.db.selectFrom('session_tokens').selectAll().where('account_id', '=', id).execute();
    expect(rows).toHaveLength(1);
    const secret = session.token.split('_')[2]!;
    expect(JSON.stringify(rows[0])).not.toContain(secret);
    const me = await call(api, 'GET', '/v1/me', { key: session.token });
    expect(me.body).toMatchObject({ accountId: id, scopes: ['wallet'], subject: `wallet:${id}`, expiresAt: session.expiresAt });
  });

  it('reads its account, and nothing else: writes are 403, other accounts 404', async () => {
    const mine = await fundedAccount(f.deps);
    const theirs = await fundedAccount(f.deps);
    const { token } = await sessionFor(mine);
    for (const path of [
      '',
      '/balance',
      '/balance-summary',
      '/grants',
      '/transactions',
      '/auto-recharge',
      '/usage?from=2025-12-01T00:00:00Z&to=2026-01-02T00:00:00Z',
    ]) {
      expect((await call(api, 'GET', `/v1/accounts/${mine}${path}`, { key: token })).status, path).toBe(200);
      expect((await call(api, 'GET', `/v1/accounts/${theirs}${path}`, { key: token })).status, path).toBe(404);
    }
    expect((await call(api, 'GET', '/v1/catalog', { key: token })).status).not.toBe(403);
    const forbidden: [string, string, unknown][] = [
      ['POST', `/v1/accounts/${mine}/deduct`, { creditType: 'ai', amount: '1' }],
      ['POST', `/v1/accounts/${mine}/grants`, { creditType: 'ai', amount: '1', source: 'promo' }],
      ['POST', `/v1/accounts/${mine}/holds`, { creditType: 'ai', amount: '1' }],
      ['POST', `/v1/accounts/${mine}/auto-recharge`, {}],
      ['POST', `/v1/accounts/${mine}/balance-alerts`, { creditType: 'ai', threshold: '1' }],
      ['POST', '/v1/webhook-endpoints', { url: 'https://example.com/x' }],
      ['POST', `/v1/accounts/${mine}/session-tokens`, {}],
      ['PATCH', `/v1/accounts/${mine}`, { name: 'x' }],
      ['GET', '/v1/accounts', undefined],
      ['GET', '/v1/approvals', undefined],
      ['GET', `/v1/accounts/${mine}/export`, undefined],
    ];
    for (const [method, path, body] of forbidden) {
      const res = await call(api, method, path, { key: token, body });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect((await call(api, 'GET', `/v1/accounts/${mine}/balance`)).body?.balances[0].available).toBe('100.00');
  });

  it('changes auto-recharge only when issued with autoRecharge', async () => {
    const id = await fundedAccount(f.deps);
    const { token, scopes } = await sessionFor(id, { autoRecharge: true });
    expect(scopes).toEqual(['wallet', 'wallet_recharge']);
    // Past the scope check: payments are not configured in this file, so the route answers 503.
    expect((await call(api, 'POST', `/v1/accounts/${id}/auto-recharge`, { key: token, body: {} })).status).not.toBe(403);
  });

  it('only service and admin keys issue tokens, for accounts they may see', async () => {
    const id = await fundedAccount(f.deps);
    const other = await fundedAccount(f.deps);
    for (const scope of ['support', 'finance', 'customer', 'approver'] as const) {
      const key = await api.key([scope], scope === 'customer' ? id : undefined);
      expect((await call(api, 'POST', `/v1/accounts/${id}/session-tokens`, { key, body: {} })).status, scope).toBe(403);
    }
    const bound = await api.key(['service'], other);
    expect((await call(api, 'POST', `/v1/accounts/${id}/session-tokens`, { key: bound, body: {} })).status).toBe(404);
    expect((await call(api, 'POST', '/v1/accounts/nope/session-tokens', { body: {} })).status).toBe(404);
    const unknownField = await call(api, 'POST', `/v1/accounts/${id}/session-tokens`, { body: { ttlSeconds: 600, scopes: ['admin'] } });
    expect(unknownField.status).toBe(400);
    await expect(createApiKey(f.deps.db, { name: 'x', subject: 'x', scopes: ['wallet'] })).rejects.toThrow(/session tokens/);
  });

  it('an expired token is a 401 that says so; a forged one is a plain 401', async () => {
    const id = await fundedAccount(f.deps);
    const old = await issueSessionToken(f.deps.db, {
      accountId: id,
      scopes: ['wallet'],
      ttlSeconds: 600,
      issuedByKeyId: 'key_test',
      mode: 'live',
      now: new Date(Date.now() - 3_600_000),
    });
    const expired = await call(api, 'GET', `/v1/accounts/${id}/balance`, { key: old.token });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({
      code: 'session_expired',
      title: 'Unauthorized',
      expiredAt: old.expiresAt.toISOString(),
    });
    expect(expired.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    // Cached after the first answer: the second says the same.
    expect((await call(api, 'GET', `/v1/accounts/${id}`, { key: old.token })).body).toMatchObject({ code: 'session_expired' });
    const forged = `${old.token.slice(0, -4)}AAAA`;
    const bad = await call(api, 'GET', `/v1/accounts/${id}/balance`, { key: forged });
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ code: 'unauthorized' });
  });
});

describe('CORS for browsers', () => {
  const preflight = (origin: string, path = '/v1/me') =>
    fetch(`${api.baseUrl}${path}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization,if-none-match' },
    });

  it('answers UI_ALLOWED_ORIGINS and no other origin', async () => {
    const allowed = await preflight('http://shop.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://shop.example');
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization/i);
    const other = await preflight('http://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const get = await fetch(`${api.baseUrl}/v1/me`, {
      headers: { origin: 'http://shop.example', authorization: `Bearer ${api.adminKey}` },
    });
    expect(get.headers.get('access-control-expose-headers')).toMatch(/ETag/);
  });

  it('serves the embed module to any page, and the console same-origin with a strict CSP', async () => {
    const embed = await fetch(`${api.baseUrl}/embed/burndown.js`, { headers: { origin: 'http://anywhere.example' } });
    expect(embed.status).toBe(200);
    expect(embed.headers.get('content-type')).toMatch(/javascript/);
    expect(embed.headers.get('access-control-allow-origin')).toBe('*');
    expect(await embed.text()).toContain('burndown-wallet');
    const page = await fetch(`${api.baseUrl}/console/finance`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<bd-console>');
  });
});
