import { describe, expect, it } from 'vitest';
import { call, useApi } from '../helpers/api.js';
import { newAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const api = useApi(f);

describe('finding 8: customer keys get their own views, without staff data', () => {
  it('the dispute view of a transaction shows no staff identity, idempotency key or cost basis to the customer', async () => {
    const account = await newAccount(f.deps);
    const grant = await call(api, 'POST', `/v1/accounts/${account}/grants`, {
      body: { creditType: 'ai', amount: '50', source: 'purchase', costBasis: { amount: '987.65', currency: 'USD' } },
    });
    expect(grant.status).toBe(201);
    const deduct = await call(api, 'POST', `/v1/accounts/${account}/deduct`, {
      body: { creditType: 'ai', amount: '5', feature: 'chat' },
      idempotencyKey: 'customer-view-deduct',
    });
    expect(deduct.status).toBe(200);
    const staffView = await call(api, 'GET', `/v1/transactions/${deduct.body!.transactionId}`);
    expect(staffView.text).toContain('test-admin'); // staff see who acted: the check below is not vacuous
    const customer = await api.key(['customer'], account);
    const view = await call(api, 'GET', `/v1/transactions/${deduct.body!.transactionId}`, { key: customer });
    expect(view.status).toBe(200);
    for (const hidden of ['test-admin', '987.65', '98765', 'customer-view-deduct']) expect(view.text).not.toContain(hidden);
  });

  it('the GDPR export of a customer leaves out staff identities, source addresses and cost basis', async () => {
    const account = await newAccount(f.deps);
    await call(api, 'POST', `/v1/accounts/${account}/grants`, {
      body: { creditType: 'ai', amount: '50', source: 'purchase', costBasis: { amount: '123.45', currency: 'USD' } },
    });
    const staffExport = await call(api, 'GET', `/v1/accounts/${account}/export`);
    expect(staffExport.text).toContain('test-admin');
    const customer = await api.key(['customer'], account);
    const own = await call(api, 'GET', `/v1/accounts/${account}/export`, { key: customer });
    expect(own.status).toBe(200);
    for (const hidden of ['test-admin', '127.0.0.1', '12345']) expect(own.text).not.toContain(hidden);
  });
});

describe('finding 8: erasure scrubs personal data from audit rows', () => {
  it('an erased account’s name and metadata leave the audit log; what was done, by whom and when stay; the log stays append-only', async () => {
    const id = `erase-me-${Date.now()}`;
    expect(
      (await call(api, 'POST', '/v1/accounts', { body: { id, name: 'Jane Doe', metadata: { email: 'jane@example.com' } } })).status,
    ).toBe(201);
    expect((await call(api, 'PATCH', `/v1/accounts/${id}`, { body: { name: 'Jane Q. Doe' } })).status).toBe(200);
    const before = await f.deps.db.selectFrom('audit_log').select(['before', 'after']).where('account_id', '=', id).execute();
    expect(JSON.stringify(before)).toContain('Jane');
    expect((await call(api, 'POST', `/v1/accounts/${id}/erasure`)).status).toBe(200);
    const rows = await f.deps.db
      .selectFrom('audit_log')
      .select(['action', 'actor', 'before', 'after'])
      .where('account_id', '=', id)
      .orderBy('id')
      .execute();
    expect(JSON.stringify(rows)).not.toContain('Jane');
    expect(JSON.stringify(rows)).not.toContain('jane@example.com');
    expect(rows.map((r) => [r.action, r.actor])).toEqual([
      ['account.create', 'test-admin'],
      ['account.update', 'test-admin'],
      ['account.erase', 'test-admin'],
    ]);
    await expect(f.deps.db.updateTable('audit_log').set({ actor: 'someone' }).where('account_id', '=', id).execute()).rejects.toThrow(
      /append-only/,
    );
  });
});
