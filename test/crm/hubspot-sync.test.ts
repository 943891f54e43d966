import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createCrmActivities } from '../../activities/crm.js';
import { companyPropertyValues, perTypeProperty, accountProperty } from '../../src/crm/company-properties.js';
import { linkAccount } from '../../src/crm/links.js';
import { setupHubSpotProperties } from '../../src/crm/setup.js';
import { syncAccount, type CrmSyncDeps } from '../../src/crm/sync.js';
import { inTransaction } from '../../src/db/transaction.js';
import { createAccount, deduct, issueGrant } from '../../src/ledger/index.js';
import { writeOutboxEvent } from '../../src/outbox/outbox.js';
import { crmAccountSyncWorkflowId, WORKFLOW_TYPES } from '../../src/contracts/index.js';
import { useCrmFixture } from '../helpers/crm.js';
import { actor, newAccount } from '../helpers/ledger.js';
import { recordHistory } from '../helpers/temporal.js';

const DEBOUNCE_SECONDS = 3;
const { f, fake, t, crmDeps, ledger, relayOnce, syncSettled } = useCrmFixture({ debounceSeconds: DEBOUNCE_SECONDS });

describe('HubSpot sync (real @hubspot/api-client against a local fake, real Temporal and PostgreSQL)', () => {
  it('1,000 burns on one account make at most one HubSpot write per debounce window, with the final values', async () => {
    const acct = await newAccount(f.deps);
    const companyId = fake.addCompany({ name: 'Acme', domain: `${acct}.test` });
    await linkAccount(f.deps.db, { accountId: acct, companyId }, f.deps.clock());
    await issueGrant(ledger(), { accountId: acct, creditType: 'ai', amount: '10000', source: 'purchase' }, actor);

    const started = Date.now();
    let burning = true;
    const burns = (async () => {
      for (let i = 0; i < 1000; i += 10) {
        await Promise.all(Array.from({ length: 10 }, () => deduct(ledger(), { accountId: acct, creditType: 'ai', amount: '1' }, actor)));
      }
      burning = false;
    })();
    // The relay runs back to back while the burns go on, signalling the sync workflow again and again.
    let relays = 0;
    while (burning) {
      await relayOnce(`burst-${relays++}`);
    }
    await burns;
    await relayOnce('burst-final');
    const { syncs } = await syncSettled(acct);
    const elapsedMs = Date.now() - started;

    const writes = fake.companyWrites(companyId).length;
    expect(relays).toBeGreaterThan(1);
    expect(writes).toBe(syncs);
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(writes).toBeLessThanOrEqual(Math.ceil(elapsedMs / (DEBOUNCE_SECONDS * 1000)) + 1);
    const shown = fake.companies.get(companyId)!;
    expect(shown[perTypeProperty.balance('ai')]).toBe('9000.00');
    expect(shown[perTypeProperty.burnRate7d('ai')]).toBe('142.86'); // 1000 / 7, half-even
    expect(shown[perTypeProperty.daysToDepletion('ai')]).toBe('63'); // 9000 / (1000 / 7), rounded down
    expect(shown[accountProperty.lowBalance]).toBe('false');
    expect(shown).toMatchObject(await companyPropertyValues(f.deps.db, acct, f.deps.clock()));
    expect(fake.companyWrites(companyId).every((r) => r.authorization === 'Bearer pat-test-token')).toBe(true);
  });

  it('retries 429 and 500, and creates an owner task when the balance is depleted or a recharge fails', async () => {
    const acct = await newAccount(f.deps);
    const companyId = fake.addCompany({ name: 'Depleted Inc', hubspot_owner_id: '4242' });
    await linkAccount(f.deps.db, { accountId: acct, companyId }, f.deps.clock());
    await issueGrant(ledger(), { accountId: acct, creditType: 'storage', amount: '5', source: 'purchase' }, actor);
    await deduct(ledger(), { accountId: acct, creditType: 'storage', amount: '5' }, actor);
    await inTransaction(f.deps.db, (tx) =>
      writeOutboxEvent(tx, {
        id: `recharge.failed:${acct}`,
        accountId: acct,
        type: 'recharge.failed',
        payload: { creditType: 'storage', reason: 'card_declined' },
        occurredAt: new Date(),
      }),
    );
    const isWrite = (r: { method: string; path: string }) => r.method === 'PATCH' && r.path === `/crm/v3/objects/companies/${companyId}`;
    fake.failNext(429, { retryAfter: '1', match: isWrite });
    fake.failNext(500, { match: isWrite });

    await relayOnce('depleted');
    const handle = t.client.workflow.getHandle(crmAccountSyncWorkflowId(acct));
    expect(await syncSettled(acct)).toEqual({ syncs: 1 });
    await recordHistory(handle, 'crm-account-sync');

    expect(fake.companyWrites(companyId)).toHaveLength(3); // 429, 500, then success
    expect(fake.companies.get(companyId)).toMatchObject({
      [perTypeProperty.balance('storage')]: '0',
      [accountProperty.lowBalance]: 'true',
      [accountProperty.autoRecharge]: 'failed',
    });
    const tasks = fake.tasks.filter((task) => JSON.stringify(task.associations).includes(companyId));
    expect(tasks.map((task) => task.properties.hs_task_subject).sort()).toEqual([
      'Burndown: auto-recharge failed',
      'Burndown: credits depleted',
    ]);
    expect(tasks.every((task) => task.properties.hubspot_owner_id === '4242')).toBe(true);
  });

  it('creates each owner task once: a crash between HubSpot’s create and Burndown’s record makes no second task', async () => {
    const acct = await newAccount(f.deps);
    const companyId = fake.addCompany({ name: 'Crash Ltd', hubspot_owner_id: '77' });
    await linkAccount(f.deps.db, { accountId: acct, companyId }, f.deps.clock());
    await f.deps.db
      .insertInto('crm_tasks')
      .values({ event_id: `balance.depleted:${acct}`, account_id: acct, kind: 'balance.depleted' })
      .execute();
    const real = crmDeps();
    // The process dies right after HubSpot made the task, before the row says so.
    const crashing: CrmSyncDeps = {
      ...real,
      gateway: {
        ...real.gateway,
        createTask: async (task) => {
          await real.gateway.createTask(task);
          throw new Error('worker killed before the task was recorded');
        },
      },
    };
    await expect(syncAccount(crashing, acct)).rejects.toThrow('worker killed');
    expect(await f.deps.db.selectFrom('crm_tasks').select('status').where('account_id', '=', acct).executeTakeFirst()).toEqual({
      status: 'pending',
    });
    // The retry, and a concurrent duplicate of it.
    await Promise.all([syncAccount(crmDeps(), acct), syncAccount(crmDeps(), acct)]);
    const tasks = fake.tasks.filter((task) => JSON.stringify(task.associations).includes(companyId));
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.properties).toMatchObject({ burndown_task_key: `${acct}:balance.depleted:${acct}`, hubspot_owner_id: '77' });
    expect(await f.deps.db.selectFrom('crm_tasks').select(['status', 'hubspot_task_id']).where('account_id', '=', acct).execute()).toEqual([
      { status: 'created', hubspot_task_id: tasks[0]!.id },
    ]);
    expect(fake.taskProperties.get('burndown_task_key')).toMatchObject({ hasUniqueValue: true });
  });

  it('a 429 is retried after exactly the Retry-After HubSpot sent', async () => {
    const acct = await newAccount(f.deps);
    const companyId = fake.addCompany({ name: 'Busy' });
    await linkAccount(f.deps.db, { accountId: acct, companyId }, f.deps.clock());
    fake.failNext(429, { retryAfter: '7', match: (r) => r.method === 'PATCH' && r.path.endsWith(`/${companyId}`) });
    const error = await createCrmActivities({ crm: crmDeps() })
      .syncAccountToCrm(acct)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'CrmRateLimited', nonRetryable: false, nextRetryDelay: '7 seconds' });
  });

  it('links by domain on the first sync: finds the company (and its owner), or creates it', async () => {
    const found = await newAccount(f.deps);
    const existing = fake.addCompany({ name: 'Found', domain: `${found}.example`, hubspot_owner_id: '77' });
    await linkAccount(f.deps.db, { accountId: found, domain: `${found}.example` }, f.deps.clock());
    const created = await newAccount(f.deps);
    await linkAccount(f.deps.db, { accountId: created, domain: `${created}.example` }, f.deps.clock());
    const activities = createCrmActivities({ crm: crmDeps() });
    expect(await activities.syncAccountToCrm(found)).toMatchObject({ companyId: existing, updated: true });
    const result = await activities.syncAccountToCrm(created);
    expect(fake.companies.get(result.companyId!)).toMatchObject({ domain: `${created}.example`, [accountProperty.accountId]: created });
    const links = await f.deps.db
      .selectFrom('crm_links')
      .selectAll()
      .where('account_id', 'in', [found, created])
      .orderBy('account_id')
      .execute();
    expect(links.find((l) => l.account_id === found)).toMatchObject({ company_id: existing, owner_id: '77' });
    expect(links.find((l) => l.account_id === created)?.company_id).toBe(result.companyId);
  });

  it('nightly reconciliation repairs drift injected in HubSpot and reports counts', async () => {
    const drifted = await newAccount(f.deps);
    const clean = await newAccount(f.deps);
    const driftedCompany = fake.addCompany({ name: 'Drifted' });
    const cleanCompany = fake.addCompany({ name: 'Clean' });
    await linkAccount(f.deps.db, { accountId: drifted, companyId: driftedCompany }, f.deps.clock());
    await linkAccount(f.deps.db, { accountId: clean, companyId: cleanCompany }, f.deps.clock());
    await issueGrant(ledger(), { accountId: drifted, creditType: 'ai', amount: '50', source: 'purchase' }, actor);
    const activities = createCrmActivities({ crm: crmDeps() });
    await activities.syncAccountToCrm(drifted);
    await activities.syncAccountToCrm(clean);
    const linked = await f.deps.db.selectFrom('crm_links').select('account_id').execute();
    // Earlier tests' accounts are linked too; bring them in line so the counts are about these two.
    for (const { account_id } of linked) await activities.syncAccountToCrm(account_id);

    fake.companies.get(driftedCompany)![perTypeProperty.balance('ai')] = '999'; // edited by hand in HubSpot
    const handle = await t.client.workflow.start(WORKFLOW_TYPES.crmReconcile, {
      taskQueue: t.taskQueue,
      workflowId: `reconcile-${drifted}`,
      args: [],
    });
    expect(await handle.result()).toEqual({ checked: linked.length, inSync: linked.length - 1, repaired: 1, failed: 0 });
    expect(fake.companies.get(driftedCompany)![perTypeProperty.balance('ai')]).toBe('50.00');
    await recordHistory(handle, 'crm-reconcile');
  });

  it('the setup command creates the property group and the missing properties, once', async () => {
    const gateway = crmDeps().gateway;
    for (const definitions of fake.objects.definitions.values()) definitions.clear(); // key properties made on the fly by the syncs above
    const first = await setupHubSpotProperties(f.deps.db, gateway);
    expect(first.created.length).toBe(first.total);
    expect(first.created).toEqual(
      expect.arrayContaining(['tasks.burndown_task_key', 'notes.burndown_note_key', 'deals.burndown_deal_key']),
    );
    expect(fake.groups.has('burndown')).toBe(true);
    expect([...fake.properties.keys()]).toEqual(
      expect.arrayContaining([perTypeProperty.balance('ai'), perTypeProperty.daysToDepletion('storage'), accountProperty.lowBalance]),
    );
    expect((await setupHubSpotProperties(f.deps.db, gateway)).created).toEqual([]);
  });

  it('test-mode activity never reaches HubSpot: a test account is not linked, and a forced link is not synced', async () => {
    const acct = `tmcrm_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await createAccount(f.deps.db, { id: acct, name: 'Test-mode company', mode: 'test' });
    const companyId = fake.addCompany({ name: 'Sandbox Inc', domain: `${acct}.test` });
    await expect(linkAccount(f.deps.db, { accountId: acct, companyId }, f.deps.clock())).rejects.toThrow(/test-mode/);
    // Even a link written past the service (or left from before) does not make the relay sync or task it.
    const now = f.deps.clock();
    await f.deps.db
      .insertInto('crm_links')
      .values({ account_id: acct, company_id: companyId, domain: null, linked_at: now, updated_at: now })
      .execute();
    await issueGrant(ledger(), { accountId: acct, creditType: 'ai', amount: '5', source: 'purchase' }, actor);
    await deduct(ledger(), { accountId: acct, creditType: 'ai', amount: '5' }, actor); // depleted: would task the owner
    await relayOnce(`test-mode-${acct}`);
    // The balance alert marked the linked account; its sync ran, and wrote nothing.
    expect(await syncSettled(acct)).toMatchObject({ syncs: expect.any(Number) });
    expect(await f.deps.db.selectFrom('crm_tasks').selectAll().where('account_id', '=', acct).execute()).toEqual([]);
    expect(fake.companyWrites(companyId)).toEqual([]);
  });
});
