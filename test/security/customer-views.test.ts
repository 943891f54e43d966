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
