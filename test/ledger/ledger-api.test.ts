import { describe, expect, it } from 'vitest';
import { issueGrant } from '../../src/ledger/index.js';
import { call, useApi } from '../helpers/api.js';
import { actor, burnCount, fundedAccount, newAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const api = useApi(f);

describe('errors are RFC 9457 problem+json', () => {
  it('names each bad field', async () => {
    const id = await fundedAccount(f.deps);
    const res = await call(api, 'POST', `/v1/accounts/${id}/deduct`, { body: { creditType: 'AI!', amount: 12 } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      type: 'urn:burndown:problem:validation_failed',
      title: 'Bad Request',
      status: 400,
      code: 'validation_failed',
    });
    expect(res.body?.errors.map((e: { path: string }) => e.path).sort()).toEqual(['amount', 'creditType']);
    expect(res.body?.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('says when an amount has more decimals than the credit type allows', async () => {
    const id = await fundedAccount(f.deps);
    const res = await call(api, 'POST', `/v1/accounts/${id}/deduct`, { body: { creditType: 'ai', amount: '1.001' } });
    expect(res.status).toBe(400);
    expect(res.body?.errors).toEqual([expect.objectContaining({ path: 'amount', code: 'too_many_decimals' })]);
  });

  it('402 carries available, requested, shortfall and how to buy more', async () => {
    const id = await fundedAccount(f.deps, '75');
    const res = await call(api, 'POST', `/v1/accounts/${id}/deduct`, { body: { creditType: 'ai', amount: '100' } });
    expect(res.status).toBe(402);
    expect(res.body).toMatchObject({ code: 'insufficient_credits', available: '75.00', requested: '100.00', shortfall: '25.00' });
    expect(res.body?.hint).toContain('25.00');
    expect(res.body?.buyCreditsUrl).toContain(id);
    const partial = await call(api, 'POST', `/v1/accounts/${id}/deduct`, { body: { creditType: 'ai', amount: '100', allowPartial: true } });
    expect(partial.status).toBe(200);
    expect(partial.body).toMatchObject({ deducted: '75.00', balance: { available: '0.00' } });
  });

  it('unknown routes and malformed JSON are problems too', async () => {
    expect((await call(api, 'GET', '/v1/nope')).body).toMatchObject({ status: 404, code: 'route_not_found' });
    const id = await fundedAccount(f.deps);
    const bad = await call(api, 'POST', `/v1/accounts/${id}/deduct`, { body: '{"creditType": ' });
    expect(bad.body).toMatchObject({ status: 400, code: 'malformed_body' });
  });
});

describe('idempotency (HTTP)', () => {
  it('50 replays of one request give one ledger transaction and identical responses', async () => {
    const id = await fundedAccount(f.deps);
    const responses = [];
    for (let i = 0; i < 50; i++) {
      responses.push(
        await call(api, 'POST', `/v1/accounts/${id}/deduct`, { idempotencyKey: 'replay-50', body: { creditType: 'ai', amount: '1.25' } }),
      );
    }
    expect(new Set(responses.map((r) => `${r.status} ${r.text}`)).size).toBe(1);
    expect(responses[0]!.status).toBe(200);
    expect(responses.slice(1).every((r) => r.headers.get('idempotent-replayed') === 'true')).toBe(true);
    expect(await burnCount(f.deps.db, id)).toBe(1);
  });

  it('the same key with a different body is 422, and a 402 is replayed as a 402', async () => {
    const id = await fundedAccount(f.deps, '10');
    const first = await call(api, 'POST', `/v1/accounts/${id}/deduct`, {
      idempotencyKey: 'k-422',
      body: { creditType: 'ai', amount: '50' },
    });
    expect(first.status).toBe(402);
    await issueGrant(f.deps, { accountId: id, creditType: 'ai', amount: '100', source: 'purchase' }, actor);
    const again = await call(api, 'POST', `/v1/accounts/${id}/deduct`, {
      idempotencyKey: 'k-422',
      body: { creditType: 'ai', amount: '50' },
    });
    expect(again.status).toBe(402);
    expect(again.text).toBe(first.text);
    const other = await call(api, 'POST', `/v1/accounts/${id}/deduct`, {
      idempotencyKey: 'k-422',
      body: { creditType: 'ai', amount: '51' },
    });
    expect(other.status).toBe(422);
    expect(other.body?.code).toBe('idempotency_key_reused');
    expect(await burnCount(f.deps.db, id)).toBe(0);
  });

  it('keys are scoped per API key', async () => {
    const id = await fundedAccount(f.deps);
    const a = await api.key(['service']);
    const b = await api.key(['service']);
    const body = { creditType: 'ai', amount: '1' };
    expect((await call(api, 'POST', `/v1/accounts/${id}/deduct`, { key: a, idempotencyKey: 'shared', body })).status).toBe(200);
    const second = await call(api, 'POST', `/v1/accounts/${id}/deduct`, { key: b, idempotencyKey: 'shared', body });
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(await burnCount(f.deps.db, id)).toBe(2);
  });

  it('100 parallel requests with one key execute once; the others replay or get 409 in flight', async () => {
    const id = await fundedAccount(f.deps);
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        call(api, 'POST', `/v1/accounts/${id}/deduct`, { idempotencyKey: 'parallel-100', body: { creditType: 'ai', amount: '1' } }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(
      statuses.every((s) => s === 200 || s === 409),
      statuses.join(','),
    ).toBe(true);
    expect(results.filter((r) => r.status === 409).every((r) => r.body?.code === 'idempotency_key_in_flight')).toBe(true);
    const transactions = new Set(results.filter((r) => r.status === 200).map((r) => r.body?.transactionId));
    expect(transactions.size).toBe(1);
    expect(await burnCount(f.deps.db, id)).toBe(1);
  });

  it('a POST without Idempotency-Key is refused with instructions', async () => {
    const id = await fundedAccount(f.deps);
    const res = await call(api, 'POST', `/v1/accounts/${id}/deduct`, { idempotencyKey: null, body: { creditType: 'ai', amount: '1' } });
    expect(res.status).toBe(400);
    expect(res.body?.code).toBe('idempotency_key_required');
    expect(await burnCount(f.deps.db, id)).toBe(0);
  });
});

describe('walkthrough over HTTP', () => {
  it('grant, deduct, hold/commit, refund, balance, point-in-time balance and history', async () => {
    const id = await newAccount(f.deps);
    const grant = await call(api, 'POST', `/v1/accounts/${id}/grants`, {
      body: { creditType: 'ai', amount: '100', source: 'purchase', costBasis: { amount: '5.00', currency: 'usd' } },
    });
    expect(grant.status).toBe(201);
    expect(grant.body).toMatchObject({ amount: '100.00', remaining: '100.00', costBasis: { amount: '5.00', currency: 'USD' } });
    f.clock.advance(1000);
    const before = f.clock.now();
    f.clock.advance(1000);
    const burn = await call(api, 'POST', `/v1/accounts/${id}/deduct`, { body: { creditType: 'ai', amount: '10', feature: 'chat' } });
    const hold = await call(api, 'POST', `/v1/accounts/${id}/holds`, { body: { creditType: 'ai', amount: '20', ttlSeconds: 60 } });
    expect(hold.status).toBe(201);
    const commit = await call(api, 'POST', `/v1/holds/${hold.body?.id}/commit`, { body: { amount: '5' } });
    expect(commit.body).toMatchObject({ status: 'committed', committedAmount: '5.00' });
    const refund = await call(api, 'POST', `/v1/accounts/${id}/refunds`, {
      body: { transactionId: burn.body?.transactionId, amount: '2.5', reason: 'bad answer' },
    });
    expect(refund.status).toBe(201);
    const balance = await call(api, 'GET', `/v1/accounts/${id}/balance`);
    expect(balance.body?.balances[0]).toMatchObject({ creditType: 'ai', available: '87.50', held: '0.00', total: '87.50' });
    const past = await call(api, 'GET', `/v1/accounts/${id}/balance?at=${encodeURIComponent(before.toISOString())}`);
    expect(past.body?.balances[0]).toMatchObject({ available: '100.00' });
    const history = await call(api, 'GET', `/v1/accounts/${id}/transactions?limit=2`);
    expect(history.body?.data).toHaveLength(2);
    expect(history.body?.nextCursor).toMatch(/^\d+$/);
    const next = await call(api, 'GET', `/v1/accounts/${id}/transactions?limit=50&cursor=${history.body?.nextCursor}`);
    const all = [...history.body!.data, ...next.body!.data].map((e: { type: string }) => e.type);
    expect(all).toEqual(['refund', 'release', 'commit', 'hold', 'burn', 'grant']);
    const chat = await call(api, 'GET', `/v1/accounts/${id}/transactions?feature=chat&type=burn`);
    expect(chat.body?.data).toHaveLength(1);
  });

  it('serves the OpenAPI document and a docs page', async () => {
    const doc = await call(api, 'GET', '/v1/openapi.json', { key: '' });
    expect(doc.body?.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body?.paths)).toEqual(expect.arrayContaining(['/v1/accounts/{id}/deduct', '/v1/holds/{id}/commit']));
    expect((await call(api, 'GET', '/docs', { key: '' })).text).toContain('swagger-ui');
  });

  it('readyz reports both dependencies', async () => {
    const res = await call(api, 'GET', '/readyz', { key: '' });
    expect(res.status).toBe(200);
    expect(res.body?.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([
      ['postgres', true],
      ['temporal', true],
    ]);
  });
});

describe('conflicts', () => {
  it('closing a closed hold is a 409 problem whose status is not overwritten by its details', async () => {
    const id = await fundedAccount(f.deps);
    const hold = await call(api, 'POST', `/v1/accounts/${id}/holds`, { body: { creditType: 'ai', amount: '5' } });
    expect((await call(api, 'POST', `/v1/holds/${hold.body?.id}/release`)).status).toBe(200);
    const again = await call(api, 'POST', `/v1/holds/${hold.body?.id}/release`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ status: 409, code: 'hold_not_active', title: 'Conflict' });
  });
});

describe('support keys on the generic grant route', () => {
  it('cannot book money-backed credits', async () => {
    const id = await newAccount(f.deps);
    const support = await api.key(['support']);
    const purchase = await call(api, 'POST', `/v1/accounts/${id}/grants`, {
      key: support,
      body: { creditType: 'ai', amount: '1', source: 'purchase' },
    });
    expect(purchase.status).toBe(403);
    const withCost = await call(api, 'POST', `/v1/accounts/${id}/grants`, {
      key: support,
      body: { creditType: 'ai', amount: '1', source: 'promo', costBasis: { amount: '1.00', currency: 'USD' } },
    });
    expect(withCost.status).toBe(403);
    const promo = await call(api, 'POST', `/v1/accounts/${id}/grants`, {
      key: support,
      body: { creditType: 'ai', amount: '1', source: 'promo' },
    });
    expect(promo.status).toBe(201);
  });
});

describe('idempotency covers the query string', () => {
  it('a query the route does not take is refused, so it cannot ride along under one Idempotency-Key', async () => {
    // Unknown query fields are a 400 naming them (issue 14): a deduct takes no query at all.
    const id = await fundedAccount(f.deps);
    const first = await call(api, 'POST', `/v1/accounts/${id}/deduct?x=1`, {
      idempotencyKey: 'q-1',
      body: { creditType: 'ai', amount: '1' },
    });
    expect(first.status).toBe(400);
    expect(first.body!.errors).toContainEqual(expect.objectContaining({ path: 'query.x', code: 'unknown_field' }));
    const plain = await call(api, 'POST', `/v1/accounts/${id}/deduct`, { idempotencyKey: 'q-1', body: { creditType: 'ai', amount: '1' } });
    expect(plain.status).toBe(200);
  });
});

describe('audit log of administrative actions', () => {
  it('records credit type and account creation, direct grants and refunds with who, from where and what', async () => {
    const ct = await call(api, 'POST', '/v1/credit-types', { body: { id: 'gpu', name: 'GPU credits', precision: 0 } });
    expect(ct.status).toBe(201);
    const id = `audited-${Date.now()}`;
    await call(api, 'POST', '/v1/accounts', { body: { id, name: 'Audited Ltd' } });
    const grant = await call(api, 'POST', `/v1/accounts/${id}/grants`, {
      body: { creditType: 'ai', amount: '10', source: 'promo', reason: 'welcome' },
    });
    const burn = await call(api, 'POST', `/v1/accounts/${id}/deduct`, { body: { creditType: 'ai', amount: '4' } });
    await call(api, 'POST', `/v1/accounts/${id}/refunds`, { body: { transactionId: burn.body?.transactionId, reason: 'bad output' } });
    const rows = await f.deps.db
      .selectFrom('audit_log')
      .select(['action', 'actor', 'target_id', 'source_ip', 'request_id', 'reason'])
      .where((eb) => eb.or([eb('account_id', '=', id), eb('target_id', '=', 'gpu')]))
      .orderBy('id')
      .execute();
    expect(rows.map((r) => r.action)).toEqual(['credit_type.create', 'account.create', 'grant.issue', 'burn.refund']);
    expect(rows.every((r) => r.actor === 'test-admin' && r.source_ip !== null && r.request_id !== null)).toBe(true);
    expect(rows.find((r) => r.action === 'grant.issue')?.reason).toBe('welcome');
    expect(grant.status).toBe(201);
  });
});
