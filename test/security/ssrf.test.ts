import type { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { attemptDelivery } from '../../src/notifications/delivery.js';
import { checkUrl, guardedLookup, type WebhookTargetPolicy } from '../../src/notifications/webhook-target.js';
import { call, useApi } from '../helpers/api.js';
import { newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';

const f = useLedgerFixture();
const api = useApi(f, { WEBHOOK_MAX_ENDPOINTS_PER_ACCOUNT: '3' });
const closed: WebhookTargetPolicy = { httpsOnly: false, allowPrivateHosts: [] };

describe('finding 2: webhook endpoints never reach private networks (SSRF)', () => {
  it.each([
    'http://127.0.0.1:5432/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]:7233/',
    'http://10.1.2.3/',
    'http://192.168.0.10/',
    'http://[fd00::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://0.0.0.0/',
  ])('refuses %s at creation, also from a customer key', async (url) => {
    const account = await newAccount(f.deps);
    const key = await api.key(['customer'], account);
    const response = await call(api, 'POST', '/v1/webhook-endpoints', { key, body: { url, eventTypes: ['*'] } });
    expect(response.status).toBe(400);
    expect(response.body!.errors[0]).toMatchObject({ path: 'url', code: 'url_not_allowed' });
  });

  it('refuses at connect time a name that resolves to a private address (DNS rebinding)', async () => {
    const rebinding = ((_host: string, _options: unknown, callback: (e: null, list: LookupAddress[]) => void) =>
      callback(null, [{ address: '10.0.0.7', family: 4 }])) as unknown as typeof dnsLookup;
    const lookup = guardedLookup(closed, rebinding);
    const error = await new Promise<Error | null>((resolve) => lookup('hooks.example.com', { all: false }, (e) => resolve(e)));
    expect(error?.message).toMatch(/private/);
    const publicAnswer = ((_h: string, _o: unknown, callback: (e: null, list: LookupAddress[]) => void) =>
      callback(null, [{ address: '93.184.216.34', family: 4 }])) as unknown as typeof dnsLookup;
    const address = await new Promise((resolve) =>
      guardedLookup(closed, publicAnswer)('hooks.example.com', { all: false }, (_e, a) => resolve(a)),
    );
    expect(address).toBe('93.184.216.34');
  });

  it('a delivery to a name that resolves to loopback is refused at connect time, and the error tells nothing about the port', async () => {
    const receiver = new WebhookReceiver();
    await receiver.start();
    try {
      const account = await newAccount(f.deps);
      // A name, not a literal: only the connect-time lookup can refuse it (stored by hand, as if it resolved publicly at creation).
      await f.deps.db
        .insertInto('webhook_endpoints')
        .values({
          id: 'we_' + 'c'.repeat(32),
          account_id: account,
          url: `${receiver.url.replace('127.0.0.1', 'localhost')}/x`,
          event_types: ['*'],
          secret: 'whsec_x',
          created_by: 't',
        })
        .execute();
      await f.deps.db
        .insertInto('outbox_events')
        .values({ id: 'evt_x', account_id: account, type: 'balance.low', schema_version: 1, payload: '{}', occurred_at: new Date() })
        .execute();
      await f.deps.db
        .insertInto('webhook_deliveries')
        .values({
          id: 'whd_' + 'c'.repeat(32),
          endpoint_id: 'we_' + 'c'.repeat(32),
          event_id: 'evt_x',
          event_seq: 1,
          account_id: account,
        })
        .execute();
      const outcome = await attemptDelivery(f.deps.db, 'whd_' + 'c'.repeat(32), () => new Date(), {
        timeoutMs: 1000,
        breakerFailures: 5,
        breakerCooldownMs: 1000,
        target: closed,
      }).catch((e: unknown) => e);
      expect(receiver.requests).toHaveLength(0);
      expect(JSON.stringify(outcome)).toMatch(/refused/);
    } finally {
      await receiver.stop();
    }
  });

  it('requires https when BURNDOWN_ENV=production, and WEBHOOK_ALLOW_PRIVATE_HOSTS lets named hosts through', () => {
    expect(checkUrl(new URL('http://hooks.example.com/'), { httpsOnly: true, allowPrivateHosts: [] })).toMatch(/https/);
    expect(checkUrl(new URL('https://hooks.example.com/'), { httpsOnly: true, allowPrivateHosts: [] })).toBeNull();
    expect(checkUrl(new URL('http://127.0.0.1:9/'), { httpsOnly: false, allowPrivateHosts: ['127.0.0.1'] })).toBeNull();
    expect(checkUrl(new URL('http://127.0.0.2:9/'), { httpsOnly: false, allowPrivateHosts: ['127.0.0.1'] })).toMatch(/loopback/);
  });

  it('caps the endpoints of one account (WEBHOOK_MAX_ENDPOINTS_PER_ACCOUNT)', async () => {
    const account = await newAccount(f.deps);
    const create = () =>
      call(api, 'POST', '/v1/webhook-endpoints', { body: { url: 'https://hooks.example.net/b', eventTypes: ['*'], accountId: account } });
    for (let i = 0; i < 3; i++) expect((await create()).status).toBe(201);
    const over = await create();
    expect(over.status).toBe(409);
    expect(over.body!.code).toBe('endpoint_limit_reached');
  });
});
