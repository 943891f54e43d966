import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApiKeyVerifier } from '../../src/auth/api-keys.js';
import { call, useApi, type ApiFixture } from '../helpers/api.js';
import { newAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const api = useApi(f);

/** A second API process over the same database: its own cache, its own revocation listener. */
let second: ChildProcess;
let secondApi: ApiFixture;
beforeAll(async () => {
  second = spawn('npx', ['tsx', 'test/helpers/api-process.ts', f.database.url, inject('temporalAddress')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    createInterface({ input: second.stdout! }).on('line', (line) => line.startsWith('listening ') && resolve(line.slice(10)));
    second.on('exit', (code) => reject(new Error(`the second API process exited (${code})`)));
  });
  secondApi = { ...api, baseUrl: `http://127.0.0.1:${port}` };
}, 60_000);
afterAll(() => {
  second?.stdin?.end();
});

const create = (body: Record<string, unknown>) => call(api, 'POST', '/v1/api-keys', { body });

describe('API key management (R-S1)', () => {
  // Keys expire by the wall clock (the verifier's): the service's checks read the same time here.
  beforeAll(() => f.clock.set(new Date()));

  it('creates a key whose token is shown once, lists and reads it without any secret, audited', async () => {
    const account = await newAccount(f.deps);
    const created = await create({ name: 'widget', subject: 'svc:widget', scopes: ['service'], accountId: account });
    expect(created.status).toBe(201);
    expect(created.body!.token).toMatch(/^bd_live_/);
    const read = await call(api, 'GET', `/v1/api-keys/${created.body!.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: created.body!.id, scopes: ['service'], accountId: account, status: 'active' });
    expect(read.text).not.toContain(created.body!.token.split('_').at(-1));
    const list = await call(api, 'GET', `/v1/api-keys?accountId=${account}`);
    expect(list.body!.data.map((k: { id: string }) => k.id)).toEqual([created.body!.id]);
    expect(list.text).not.toContain(created.body!.token.split('_').at(-1));
    const audit = await f.deps.db.selectFrom('audit_log').select('action').where('target_id', '=', created.body!.id).execute();
    expect(audit.map((a) => a.action)).toContain('api_key.create');
  });

  it('only admin keys manage keys', async () => {
    const support = await api.key(['support']);
    expect((await call(api, 'GET', '/v1/api-keys', { key: support })).status).toBe(403);
    expect((await call(api, 'POST', '/v1/api-keys', { key: support, body: { name: 'x', subject: 'x', scopes: ['admin'] } })).status).toBe(
      403,
    );
  });

  it('a replay of the creation does not show the token again', async () => {
    const body = { name: 'replayed', subject: 'svc:replayed', scopes: ['service'] };
    const first = await call(api, 'POST', '/v1/api-keys', { body, idempotencyKey: 'create-key-replay' });
    const again = await call(api, 'POST', '/v1/api-keys', { body, idempotencyKey: 'create-key-replay' });
    expect(first.body!.token).toMatch(/^bd_live_/);
    expect(again.body!.id).toBe(first.body!.id);
    expect(again.body!.token).toBeNull();
    const stored = await f.deps.db.selectFrom('idempotency_keys').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(first.body!.token);
  });

  it('finding 12: a revoked key is refused on its next request on every API process (LISTEN/NOTIFY)', async () => {
    const created = await create({ name: 'doomed', subject: 'svc:doomed', scopes: ['service'] });
    const token = created.body!.token as string;
    // Both processes have verified and cached it.
    expect((await call(api, 'GET', '/v1/credit-types', { key: token })).status).toBe(200);
    expect((await call(secondApi, 'GET', '/v1/credit-types', { key: token })).status).toBe(200);
    expect((await call(secondApi, 'GET', '/v1/credit-types', { key: token })).status).toBe(200);
    const revoked = await call(api, 'POST', `/v1/api-keys/${created.body!.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body!.status).toBe('revoked');
    expect((await call(api, 'GET', '/v1/credit-types', { key: token })).status).toBe(401);
    // The other process learns it through NOTIFY, which arrives within milliseconds of the commit.
    let status = 200;
    for (let i = 0; i < 50 && status === 200; i++) {
      status = (await call(secondApi, 'GET', '/v1/credit-types', { key: token })).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(401);
  });

  it('rolls a key: a new secret, the old one valid until expiresOldAt, then refused as expired', async () => {
    const created = await create({ name: 'rolled', subject: 'svc:rolled', scopes: ['service'] });
    const old = created.body!.token as string;
    const until = new Date(Date.now() + 1500).toISOString();
    const rolled = await call(api, 'POST', `/v1/api-keys/${created.body!.id}/roll`, { body: { expiresOldAt: until } });
    expect(rolled.status).toBe(200);
    const fresh = rolled.body!.token as string;
    expect(fresh).not.toBe(old);
    expect((await call(api, 'GET', '/v1/credit-types', { key: old })).status).toBe(200);
    expect((await call(api, 'GET', '/v1/credit-types', { key: fresh })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1600));
    const expired = await call(api, 'GET', '/v1/credit-types', { key: old });
    expect(expired.status).toBe(401);
    expect(expired.body!.code).toBe('api_key_expired');
    expect((await call(api, 'GET', '/v1/credit-types', { key: fresh })).status).toBe(200);
  });

  it('an expired key is refused with a problem that says so', async () => {
    const created = await create({
      name: 'short',
      subject: 'svc:short',
      scopes: ['service'],
      expiresAt: new Date(Date.now() + 1000).toISOString(),
    });
    expect((await call(api, 'GET', '/v1/credit-types', { key: created.body!.token })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    const response = await call(api, 'GET', '/v1/credit-types', { key: created.body!.token });
    expect(response.status).toBe(401);
    expect(response.body!.code).toBe('api_key_expired');
    expect(response.body!.detail).toMatch(/expired/);
  });
});

describe('finding 12: the key cache', () => {
  it('2,000 random tokens (20 times the cache size) do not flush the cache of good keys', async () => {
    const token = (await create({ name: 'cached', subject: 'svc:cached', scopes: ['service'] })).body!.token as string;
    const verifier = createApiKeyVerifier(f.deps.db, { listenUrl: f.database.url, maxEntries: 100 });
    try {
      await new Promise((r) => setTimeout(r, 200)); // the listener connects
      expect(await verifier(token)).toBeDefined();
      expect(verifier.isKnownGood(token)).toBe(true);
      for (let i = 0; i < 2_000; i++) {
        await verifier(`bd_live_${i.toString(16).padStart(16, '0')}_${'x'.repeat(32)}`);
      }
      expect(verifier.isKnownGood(token)).toBe(true);
    } finally {
      await verifier.close();
    }
  });

  it('/readyz tells which dependency is down, never the raw error text', async () => {
    const temporal = api.deps.temporal;
    // Temporal unreachable, with an error that names an internal host.
    api.deps.temporal = {
      workflowService: { getSystemInfo: () => Promise.reject(new Error('connect ECONNREFUSED temporal.internal:7233')) },
    } as never;
    try {
      const response = await call(api, 'GET', '/readyz');
      expect(response.status).toBe(503);
      expect(response.text).not.toContain('temporal.internal');
      expect(response.text).not.toContain('ECONNREFUSED');
      expect(response.body!.checks).toContainEqual({ name: 'temporal', ok: false });
    } finally {
      api.deps.temporal = temporal;
    }
  });
});
