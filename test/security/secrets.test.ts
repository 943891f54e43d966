import { describe, expect, it } from 'vitest';
import { normalizeSubject } from '../../src/auth/api-keys.js';
import { call, useApi } from '../helpers/api.js';
import { newAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const api = useApi(f);

describe('finding 12: webhook secrets are never stored in plaintext', () => {
  it('stores the signing secret sealed (AES-GCM), and an idempotent replay answers it as null', async () => {
    const account = await newAccount(f.deps);
    const body = { url: 'https://hooks.example.org/in', eventTypes: ['*'], accountId: account };
    const created = await call(api, 'POST', '/v1/webhook-endpoints', { body, idempotencyKey: 'endpoint-secret-1' });
    expect(created.status).toBe(201);
    const secret = created.body!.secret as string;
    expect(secret.length).toBeGreaterThan(20);
    const row = await f.deps.db
      .selectFrom('webhook_endpoints')
      .select('secret')
      .where('id', '=', created.body!.id)
      .executeTakeFirstOrThrow();
    expect(row.secret.startsWith('enc:v1:')).toBe(true);
    expect(row.secret).not.toContain(secret);
    const stored = await f.deps.db.selectFrom('idempotency_keys').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(secret);
    const replay = await call(api, 'POST', '/v1/webhook-endpoints', { body, idempotencyKey: 'endpoint-secret-1' });
    expect(replay.status).toBe(201);
    expect(replay.body!.id).toBe(created.body!.id);
    expect(replay.body!.secret).toBeNull();
  });

  it('a rotated secret is sealed too, the previous one as well', async () => {
    const created = await call(api, 'POST', '/v1/webhook-endpoints', { body: { url: 'https://hooks.example.org/r', eventTypes: ['*'] } });
    const rotated = await call(api, 'POST', `/v1/webhook-endpoints/${created.body!.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const row = await f.deps.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', created.body!.id).executeTakeFirstOrThrow();
    expect(row.secret.startsWith('enc:v1:')).toBe(true);
    expect(row.previous_secret!.startsWith('enc:v1:')).toBe(true);
    expect(JSON.stringify(row)).not.toContain(rotated.body!.secret);
    expect(JSON.stringify(row)).not.toContain(created.body!.secret);
  });
});

describe('finding 12: self-approval compares people, not free text', () => {
  it('keys for the same person with differently written subjects carry the same subject', async () => {
    expect(normalizeSubject('  Alice@Example.COM ')).toBe('alice@example.com');
    expect(normalizeSubject('ａｌｉｃｅ@example.com')).toBe('alice@example.com'); // full-width letters (NFKC)
    const one = await call(api, 'POST', '/v1/api-keys', { body: { name: 'a', subject: 'Alice@Example.com', scopes: ['support'] } });
    const two = await call(api, 'POST', '/v1/api-keys', { body: { name: 'b', subject: 'alice@example.com', scopes: ['approver'] } });
    expect(one.body!.subject).toBe(two.body!.subject);
  });
});
