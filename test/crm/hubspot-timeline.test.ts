import { Client } from '@hubspot/api-client';
import type { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/objects/notes/index.js';
import { describe, expect, it } from 'vitest';
import { linkAccount } from '../../src/crm/links.js';
import { syncAccount, type CrmSyncDeps } from '../../src/crm/sync.js';
import { applyDisputeAction, insertDispute } from '../../src/disputes/changes.js';
import { deduct, expireGrant, issueGrant } from '../../src/ledger/index.js';
import { useCrmFixture } from '../helpers/crm.js';
import { actor, newAccount } from '../helpers/ledger.js';

const { f, fake, crmDeps, ledger, relayOnce, syncSettled } = useCrmFixture({ debounceSeconds: 1 });
const HOUR_MS = 3_600_000;

/** An account with one of each kind of history, and what is not history (a burn, a promo grant). */
async function accountWithHistory() {
  const acct = await newAccount(f.deps);
  const companyId = fake.addCompany({ name: `Timeline ${acct}` });
  await linkAccount(f.deps.db, { accountId: acct, companyId }, f.deps.clock());
  const purchase = await issueGrant(ledger(), { accountId: acct, creditType: 'ai', amount: '100', source: 'purchase' }, actor);
  const support = await issueGrant(
    ledger(),
    { accountId: acct, creditType: 'storage', amount: '5', source: 'support', expiresAt: new Date(f.deps.clock().getTime() + HOUR_MS) },
    { actor: 'support@burndown', reason: 'Goodwill <after outage>' },
  );
  await issueGrant(ledger(), { accountId: acct, creditType: 'ai', amount: '3', source: 'promo' }, actor);
  const burn = await deduct(ledger(), { accountId: acct, creditType: 'ai', amount: '10' }, actor);
  const dispute = await insertDispute(
    f.deps.db,
    {
      accountId: acct,
      burn: { subjectType: 'transaction', transactionId: burn.transactionId, usageEventId: null, creditType: 'ai', amount: '10.00' },
      reason: 'Charged twice',
      queue: 'support',
      slaDueAt: new Date(f.deps.clock().getTime() + 48 * HOUR_MS),
      openedByCustomer: true,
    },
    actor,
    f.deps.clock(),
  );
  await applyDisputeAction(
    ledger(),
    dispute.id,
    { action: 'resolve', explanation: 'Duplicate burn', refund: true, actor: 'support' },
    'step-1',
  );
  f.clock.advance(2 * HOUR_MS);
  const expiry = await expireGrant(ledger(), support.id, actor);
  expect(expiry.expired).toBe('5');
  return { acct, companyId, purchase, support, burn, disputeId: dispute.id };
}

const notesOf = (companyId: string) => fake.associatedWith('notes', companyId);

describe('HubSpot timeline notes (real @hubspot/api-client against the fake, real PostgreSQL and Temporal)', () => {
  it('shows purchases, support grants, refunds, expiries and disputes once each, whatever crashes or repeats', async () => {
    const { acct, companyId, purchase, support, burn, disputeId } = await accountWithHistory();
    const real = crmDeps();
    // The worker dies right after HubSpot made the notes, before Burndown recorded them.
    const crashing: CrmSyncDeps = {
      ...real,
      gateway: {
        ...real.gateway,
        createNotes: async (notes) => {
          await real.gateway.createNotes(notes);
          throw new Error('worker killed before the notes were recorded');
        },
      },
    };
    await expect(syncAccount(crashing, acct)).rejects.toThrow('worker killed');
    expect(notesOf(companyId)).toHaveLength(6);
    expect(await f.deps.db.selectFrom('crm_timeline_notes').selectAll().where('account_id', '=', acct).execute()).toEqual([]);

    // The retry, a concurrent duplicate of it, and a later sync with nothing new.
    const [first, second] = await Promise.all([syncAccount(crmDeps(), acct), syncAccount(crmDeps(), acct)]);
    expect(first.notesSynced + second.notesSynced).toBeGreaterThanOrEqual(6);
    expect((await syncAccount(crmDeps(), acct)).notesSynced).toBe(0);

    const notes = notesOf(companyId);
    expect(notes).toHaveLength(6);
    const refund = await f.deps.db
      .selectFrom('disputes')
      .select('refund_transaction_id')
      .where('id', '=', disputeId)
      .executeTakeFirstOrThrow();
    const expiry = await f.deps.db
      .selectFrom('ledger_transactions')
      .select('id')
      .where('account_id', '=', acct)
      .where('kind', '=', 'expiry')
      .executeTakeFirstOrThrow();
    const grantTx = async (grantId: string) =>
      (await f.deps.db.selectFrom('grants').select('transaction_id').where('id', '=', grantId).executeTakeFirstOrThrow()).transaction_id;
    const keys = [
      `${acct}:${await grantTx(purchase.id)}`,
      `${acct}:${await grantTx(support.id)}`,
      `${acct}:${refund.refund_transaction_id}`,
      `${acct}:${expiry.id}`,
      `${acct}:dispute:${disputeId}:opened`,
      `${acct}:dispute:${disputeId}:resolved`,
    ];
    expect(notes.map((n) => n.properties.burndown_note_key).sort()).toEqual([...keys].sort());
    expect(notes.every((n) => n.properties.hs_note_body!.includes(`Account ${acct}`))).toBe(true);
    const body = (key: string) => notes.find((n) => n.properties.burndown_note_key === key)!.properties.hs_note_body;
    expect(body(keys[0]!)).toContain('Credits purchased</strong>: 100.00 ai');
    expect(body(keys[1]!)).toContain('Support grant</strong>: 5 storage');
    expect(body(keys[1]!)).toContain('Goodwill &#60;after outage&#62;'); // escaped: HubSpot note bodies are HTML
    expect(body(keys[2]!)).toContain('Credits refunded</strong>: 10.00 ai');
    expect(body(keys[3]!)).toContain('Credits expired</strong>: 5 storage');
    expect(body(keys[4]!)).toContain(`Charged twice</p><p>Account ${acct}, dispute on transaction ${burn.transactionId}`);
    expect(body(keys[5]!)).toContain('Dispute resolved</strong>: 10.00 ai');
    // Timestamped when it happened, not when synced.
    expect(notes.find((n) => n.properties.burndown_note_key === keys[3])!.properties.hs_timestamp).toBe(f.deps.clock().toISOString());
    // Recorded once each, with the ids HubSpot gave.
    const recorded = await f.deps.db.selectFrom('crm_timeline_notes').selectAll().where('account_id', '=', acct).execute();
    expect(new Map(recorded.map((r) => [r.note_key, r.hubspot_note_id]))).toEqual(
      new Map(notes.map((n) => [n.properties.burndown_note_key!, n.id])),
    );
    expect(fake.objects.definitions.get('notes')!.get('burndown_note_key')).toMatchObject({ hasUniqueValue: true });

    // What HubSpot's search shows on the company, through the SDK.
    const client = new Client({ accessToken: 'pat-test-token', basePath: fake.url, numberOfApiCallRetries: 0 });
    const search = await client.crm.objects.notes.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'associations.company', operator: 'EQ' as FilterOperatorEnum, value: companyId }] }],
      properties: ['burndown_note_key'],
      limit: 100,
      after: undefined,
      sorts: [],
    });
    expect(search.total).toBe(6);
  });

  it('goes through the debounced sync, and keeps going when HubSpot answers 429 and 5xx to the notes', async () => {
    const { acct, companyId } = await accountWithHistory();
    const notesCall = (path: string) => (r: { method: string; path: string }) =>
      r.method === 'POST' && r.path === `/crm/v3/objects/notes/batch/${path}`;
    fake.failNext(503, { match: notesCall('read') });
    fake.failNext(429, { retryAfter: '1', match: notesCall('create') });
    fake.failNext(500, { match: notesCall('create') });
    const before = fake.requests.filter(notesCall('create')).length;

    await relayOnce(`timeline-${acct}`);
    expect(await syncSettled(acct)).toEqual({ syncs: 1 });

    expect(fake.requests.filter(notesCall('create')).length - before).toBe(3); // 429, 500, then one batch of all six
    expect(notesOf(companyId)).toHaveLength(6);
    expect(await f.deps.db.selectFrom('crm_timeline_notes').selectAll().where('account_id', '=', acct).execute()).toHaveLength(6);
  });

  it('a long history goes in rounds of 5 batches of 100, the account marked again until all is shown', async () => {
    const acct = await newAccount(f.deps);
    const companyId = fake.addCompany({ name: `Long ${acct}` });
    await linkAccount(f.deps.db, { accountId: acct, companyId }, f.deps.clock());
    for (let i = 0; i < 510; i += 30) {
      await Promise.all(
        Array.from({ length: Math.min(30, 510 - i) }, () =>
          issueGrant(ledger(), { accountId: acct, creditType: 'ai', amount: '1', source: 'purchase' }, actor),
        ),
      );
    }
    await f.deps.db.updateTable('crm_sync_marks').set({ pending: false }).where('account_id', '=', acct).execute();
    const marked = () => f.deps.db.selectFrom('crm_sync_marks').select('pending').where('account_id', '=', acct).executeTakeFirstOrThrow();

    expect((await syncAccount(crmDeps(), acct)).notesSynced).toBe(500);
    expect(await marked()).toEqual({ pending: true });
    await f.deps.db.updateTable('crm_sync_marks').set({ pending: false }).where('account_id', '=', acct).execute();
    expect((await syncAccount(crmDeps(), acct)).notesSynced).toBe(10);
    expect(await marked()).toEqual({ pending: false });
    expect(notesOf(companyId)).toHaveLength(510);
  });
});
