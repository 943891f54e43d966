import { describe, expect, it } from 'vitest';
import { call, useApi } from '../helpers/api.js';
import { newAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const api = useApi(f);

const actionsOn = async (accountId: string) =>
  (
    await f.deps.db
      .selectFrom('audit_log')
      .select(['action', 'actor', 'request_id'])
      .where('account_id', '=', accountId)
      .orderBy('id')
      .execute()
  ).map((r) => r.action);

describe('finding 14: audit gaps (R-S2)', () => {
  it('audits HubSpot links, balance-alert settings, and webhook endpoint create, rotate and delete', async () => {
    const account = await newAccount(f.deps);
    expect((await call(api, 'POST', `/v1/accounts/${account}/hubspot-link`, { body: { companyId: '4242' } })).status).toBe(200);
    expect(
      (await call(api, 'POST', `/v1/accounts/${account}/balance-alerts`, { body: { creditType: 'ai', lowThreshold: '10' } })).status,
    ).toBe(200);
    const endpoint = await call(api, 'POST', '/v1/webhook-endpoints', {
      body: { url: 'https://hooks.example.com/a', eventTypes: ['*'], accountId: account },
    });
    expect(endpoint.status).toBe(201);
    expect((await call(api, 'POST', `/v1/webhook-endpoints/${endpoint.body!.id}/rotate-secret`)).status).toBe(200);
    expect((await call(api, 'DELETE', `/v1/webhook-endpoints/${endpoint.body!.id}`)).status).toBe(204);
    expect(await actionsOn(account)).toEqual([
      'hubspot_link.set',
      'balance_alert.set',
      'webhook_endpoint.create',
      'webhook_endpoint.rotate_secret',
      'webhook_endpoint.delete',
    ]);
    // Who did it is recorded, and no signing secret is.
    const rows = await f.deps.db.selectFrom('audit_log').selectAll().where('account_id', '=', account).execute();
    expect(rows.every((r) => r.actor === 'test-admin')).toBe(true);
    expect(JSON.stringify(rows.map((r) => [r.before, r.after]))).not.toContain(endpoint.body!.secret);
  });

  it('a replayed request adds no second record', async () => {
    const account = await newAccount(f.deps);
    const body = { companyId: '4343' };
    await call(api, 'POST', `/v1/accounts/${account}/hubspot-link`, { body, idempotencyKey: 'link-once' });
    await call(api, 'POST', `/v1/accounts/${account}/hubspot-link`, { body, idempotencyKey: 'link-once' });
    expect(await actionsOn(account)).toEqual(['hubspot_link.set']);
  });
});
