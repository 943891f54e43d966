import { describe, expect, it } from 'vitest';
import { call, useApi } from '../helpers/api.js';
import { newAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const api = useApi(f);

describe('finding 9: bad input is a 4xx problem, never a 500', () => {
  it('a 6 MiB body is 413 before authentication', async () => {
    const response = await call(api, 'POST', '/v1/accounts', { key: '', body: { id: 'x', name: 'x'.repeat(6 * 1024 * 1024) } });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    expect(response.body!.code).toBe('body_too_large');
  });

  it('a NUL character in any string (metadata) is 400 naming the field', async () => {
    const response = await call(api, 'POST', '/v1/accounts', { body: { id: 'nul-acct', name: 'N', metadata: { note: 'a\u0000b' } } });
    expect(response.status).toBe(400);
    expect(response.body!.errors[0].path).toBe('metadata.note');
  });

  it('deeply nested JSON is 400, not a stack overflow in the idempotency hash', async () => {
    const nested = `${'{"a":'.repeat(5000)}"x"${'}'.repeat(5000)}`;
    const response = await call(api, 'POST', '/v1/accounts', { body: `{"id":"deep","name":"D","metadata":${nested}}` });
    expect(response.status).toBe(400);
    expect(response.body!.code).toBe('too_deep');
  });

  it('int8 overflow in a cursor and dates outside the range are 400', async () => {
    const account = await newAccount(f.deps);
    const cursor = await call(api, 'GET', `/v1/accounts/${account}/transactions?cursor=99999999999999999999999`);
    expect(cursor.status).toBe(400);
    const date = await call(api, 'GET', `/v1/accounts/${account}/balance?at=0001-01-01T00:00:00Z`);
    expect(date.status).toBe(400);
    const far = await call(api, 'GET', `/v1/accounts/${account}/balance?at=275760-09-13T00:00:00Z`);
    expect(far.status).toBe(400);
  });

  it('a cursor that is not digits is 400, not a 500 from the int8 bound (found by npm run test:fuzz)', async () => {
    const account = await newAccount(f.deps);
    for (const path of [`/v1/accounts/${account}/transactions`, `/v1/accounts/${account}/audit`, '/v1/audit']) {
      const response = await call(api, 'GET', `${path}?cursor=null`);
      expect(response.status, path).toBe(400);
      expect(response.body!.errors[0].path, path).toBe('query.cursor');
    }
  });

  it('completing a consumption that does not exist is 404 for an unbound key too (found by npm run test:fuzz)', async () => {
    const id = 'cons_10844d46dccd6ed003d40f9db22380d0';
    const response = await call(api, 'POST', `/v1/consumptions/${id}/complete`, { body: { actualQuantity: '500.00' } });
    expect(response.status).toBe(404);
    expect(response.body!.detail).toContain(id);
  });

  it('setup-intents without Stripe configured is 503 payments_not_configured', async () => {
    const account = await newAccount(f.deps);
    const response = await call(api, 'POST', `/v1/accounts/${account}/setup-intents`, { body: {} });
    expect(response.status).toBe(503);
    expect(response.body!.code).toBe('payments_not_configured');
  });

  it('a body that is not application/json is 415 that says so', async () => {
    const response = await fetch(`${api.baseUrl}/v1/accounts`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${api.adminKey}`,
        'content-type': 'application/x-www-form-urlencoded',
        'idempotency-key': 'form-1',
      },
      body: 'id=form&name=Form',
    });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/application\/json/);
  });
});

describe('finding 10: unknown fields are refused, naming them', () => {
  it('a deduct with allow_partial (a typo of allowPartial) is 400 naming allow_partial', async () => {
    const account = await newAccount(f.deps);
    const response = await call(api, 'POST', `/v1/accounts/${account}/deduct`, {
      body: { creditType: 'ai', amount: '1', feature: 'chat', allow_partial: true },
    });
    expect(response.status).toBe(400);
    expect(response.body!.errors).toContainEqual(expect.objectContaining({ path: 'allow_partial', code: 'unknown_field' }));
  });

  it('unknown query parameters are refused too', async () => {
    const account = await newAccount(f.deps);
    const response = await call(api, 'GET', `/v1/accounts/${account}/balance?bogus=1`);
    expect(response.status).toBe(400);
    expect(response.body!.errors).toContainEqual(expect.objectContaining({ path: 'query.bogus' }));
  });
});
