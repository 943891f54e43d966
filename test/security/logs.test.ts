import { describe, expect, it } from 'vitest';
import { call, useApi } from '../helpers/api.js';
import { useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const lines: string[] = [];
const api = useApi(f, {}, lines);

describe('finding 1: no credential in any log line', () => {
  it('logs an authenticated request without its Authorization, Cookie or signature headers', async () => {
    lines.length = 0;
    const token = api.adminKey;
    const secretPart = token.split('_').at(-1)!;
    const response = await call(api, 'GET', '/v1/credit-types', {
      headers: { cookie: 'session=sekrit-cookie', 'stripe-signature': 't=1,v1=deadbeefsig', 'x-hubspot-signature-v3': 'hubspotsig' },
    });
    expect(response.status).toBe(200);
    // A failed authentication is logged too (warn), with the token it was given.
    await call(api, 'GET', '/v1/credit-types', { key: `${token}x` });
    const log = lines.join('\n');
    expect(log).toContain('/v1/credit-types'); // the request was logged at all
    for (const leaked of [secretPart, 'sekrit-cookie', 'deadbeefsig', 'hubspotsig']) expect(log).not.toContain(leaked);
  });

  it('redacts secrets and tokens inside objects that code logs, whatever the destination', () => {
    lines.length = 0;
    api.deps.logger.info({ endpoint: { secret: 'whsec_abc123' }, key: { token: 'bd_live_0123456789abcdef_zzz' } }, 'something');
    const log = lines.join('\n');
    expect(log).toContain('something');
    expect(log).not.toContain('whsec_abc123');
    expect(log).not.toContain('bd_live_0123456789abcdef_zzz');
  });
});
