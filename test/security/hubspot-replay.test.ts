import { Signature } from '@hubspot/api-client';
import { describe, expect, it } from 'vitest';
import { linkAccount } from '../../src/crm/links.js';
import { call, useApi } from '../helpers/api.js';
import { newAccount, useLedgerFixture } from '../helpers/ledger.js';

const SECRET = 'hubspot-client-secret';
const f = useLedgerFixture();
const api = useApi(f, { HUBSPOT_WEBHOOK_SECRET: SECRET });

/** A signed HubSpot request, as HubSpot would send it (and as an attacker who captured it would resend it). */
function signed(events: unknown[], timestamp: number) {
  const body = JSON.stringify(events);
  const url = `${api.baseUrl}/v1/hubspot/webhooks`;
  const signature = Signature.getSignature('POST', 'v3', { signature: '', clientSecret: SECRET, requestBody: body, url, timestamp });
  return () =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hubspot-signature-v3': signature,
        'x-hubspot-request-timestamp': String(timestamp),
      },
      body,
    });
}

const ownerChange = (objectId: number, owner: string) => [
  { subscriptionType: 'company.propertyChange', objectId, propertyName: 'hubspot_owner_id', propertyValue: owner },
];

describe('finding 12: inbound HubSpot webhooks are not applied twice', () => {
  it('a replayed delivery (same signature, within the 5 minutes) is acknowledged and not applied again', async () => {
    const acct = await newAccount(f.deps);
    await linkAccount(f.deps.db, { accountId: acct, companyId: '7770001' }, f.deps.clock());
    const first = signed(ownerChange(7770001, 'first-owner'), f.clock.now().getTime());
    expect((await first()).status).toBe(200);
    const second = signed(ownerChange(7770001, 'second-owner'), f.clock.now().getTime() + 1000);
    expect((await second()).status).toBe(200);
    const replay = await first();
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ applied: 0, replayed: true });
    expect((await call(api, 'GET', `/v1/accounts/${acct}/hubspot-link`)).body).toMatchObject({ ownerId: 'second-owner' });
  });
});
