import { Signature } from '@hubspot/api-client';
import { describe, expect, it } from 'vitest';
import { linkAccount } from '../../src/crm/links.js';
import { call, useApi } from '../helpers/api.js';
import { newAccount, useLedgerFixture } from '../helpers/ledger.js';

const SECRET = 'hubspot-client-secret';
const f = useLedgerFixture();
const api = useApi(f, { HUBSPOT_WEBHOOK_SECRET: SECRET });

/** What HubSpot sends: signature v3 over method + URL + body + timestamp. */
async function deliver(events: unknown[], options: { secret?: string; timestamp?: number; tamper?: boolean } = {}) {
  const body = JSON.stringify(events);
  const url = `${api.baseUrl}/v1/hubspot/webhooks`;
  const timestamp = options.timestamp ?? f.clock.now().getTime();
  const signature = Signature.getSignature('POST', 'v3', {
    signature: '',
    clientSecret: options.secret ?? SECRET,
    requestBody: body,
    url,
    timestamp,
  });
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': String(timestamp) },
    body: options.tamper ? body.replace('new-', 'evil-') : body,
  });
}

describe('HubSpot → Burndown webhook (signature v3)', () => {
  it('updates the link when the company domain or owner changes in HubSpot', async () => {
    const acct = await newAccount(f.deps);
    await linkAccount(f.deps.db, { accountId: acct, companyId: '5550001', domain: 'old.example' }, f.deps.clock());
    const res = await deliver([
      {
        eventId: 1,
        subscriptionType: 'company.propertyChange',
        objectId: 5550001,
        propertyName: 'domain',
        propertyValue: 'new-domain.example',
        occurredAt: 1,
      },
      {
        eventId: 2,
        subscriptionType: 'company.propertyChange',
        objectId: 5550001,
        propertyName: 'hubspot_owner_id',
        propertyValue: '991',
        occurredAt: 2,
      },
      {
        eventId: 3,
        subscriptionType: 'company.propertyChange',
        objectId: 5550001,
        propertyName: 'name',
        propertyValue: 'ignored',
        occurredAt: 3,
      },
    ]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ applied: 2, ignored: 1 });
    const link = await call(api, 'GET', `/v1/accounts/${acct}/hubspot-link`);
    expect(link.body).toMatchObject({ companyId: '5550001', domain: 'new-domain.example', ownerId: '991' });
  });

  it('refuses a tampered body, a wrong secret and a stale timestamp, changing nothing', async () => {
    const acct = await newAccount(f.deps);
    await linkAccount(f.deps.db, { accountId: acct, companyId: '5550002' }, f.deps.clock());
    const change = [
      { subscriptionType: 'company.propertyChange', objectId: 5550002, propertyName: 'hubspot_owner_id', propertyValue: 'new-owner' },
    ];
    expect((await deliver(change, { tamper: true })).status).toBe(401);
    expect((await deliver(change, { secret: 'not-the-secret' })).status).toBe(401);
    expect((await deliver(change, { timestamp: f.clock.now().getTime() - 301_000 })).status).toBe(401);
    expect((await call(api, 'GET', `/v1/accounts/${acct}/hubspot-link`)).body).toMatchObject({ ownerId: null });
  });

  it('links through the API, by id or by domain', async () => {
    const acct = await newAccount(f.deps);
    expect((await call(api, 'POST', `/v1/accounts/${acct}/hubspot-link`, { body: {} })).status).toBe(400);
    const linked = await call(api, 'POST', `/v1/accounts/${acct}/hubspot-link`, { body: { domain: 'acme.example' } });
    expect(linked.status).toBe(200);
    expect(linked.body).toMatchObject({ accountId: acct, companyId: null, domain: 'acme.example' });
    const mark = await f.deps.db.selectFrom('crm_sync_marks').selectAll().where('account_id', '=', acct).executeTakeFirst();
    expect(mark?.pending).toBe(true);
  });
});
