import { describe, expect, it } from 'vitest';
import { issueGrant } from '../../src/ledger/index.js';
import { call, useApi } from '../helpers/api.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const api = useApi(f);

describe('an account’s audit trail (GET /v1/accounts/{id}/audit)', () => {
  it('lists the administrative actions on the account, newest first, to support but not to the customer', async () => {
    const id = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: id, creditType: 'ai', amount: '50', source: 'purchase' }, actor);
    const support = await api.key(['support'], undefined, 'sam@example.com');
    const granted = await call(api, 'POST', `/v1/accounts/${id}/support-grants`, {
      key: support,
      body: { creditType: 'ai', amount: '5', reasonCode: 'goodwill', reason: 'sorry' },
    });
    expect(granted.status, granted.text).toBe(201);
    const audit = await call(api, 'GET', `/v1/accounts/${id}/audit`, { key: support });
    expect(audit.status).toBe(200);
    expect(audit.body!.data[0]).toMatchObject({ actor: 'sam@example.com', action: 'grant.issue', accountId: id });
    expect((await call(api, 'GET', `/v1/accounts/${id}/audit`, { key: await api.key(['customer'], id) })).status).toBe(403);
  });
});
