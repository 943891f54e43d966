import { Client, Connection } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { linkAccount } from '../../src/crm/links.js';
import type { LedgerDeps } from '../../src/ledger/context.js';
import { deduct, issueGrant } from '../../src/ledger/index.js';
import { createBalanceAlertObserver } from '../../src/notifications/balance-alerts.js';
import { signalPendingCrmSyncs } from '../../src/notifications/relay-fanout.js';
import { crmAccountSyncWorkflowId } from '../../src/contracts/index.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
// Workflows are signalled on a task queue no worker polls: this file is about the marks, not the syncs.
const taskQueue = `marks-${randomBytes(4).toString('hex')}`;
let client: Client;
beforeAll(async () => {
  client = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
});
afterAll(() => client?.connection.close());

const alerting = (): LedgerDeps => ({ ...f.deps, observers: [createBalanceAlertObserver({ lowThreshold: 0, rearmPercent: 20 })] });
const crmSync = { debounceSeconds: 30 };

/** A linked, funded account whose ledger writes mark it for a CRM sync. */
async function linkedAccount() {
  const acct = await newAccount(f.deps);
  await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '100', source: 'purchase' }, actor);
  await linkAccount(f.deps.db, { accountId: acct, companyId: `co-${acct}` }, f.deps.clock());
  return acct;
}

async function pending(accountIds: string[]) {
  const rows = await f.deps.db
    .selectFrom('crm_sync_marks')
    .select(['account_id', 'pending'])
    .where('account_id', 'in', accountIds)
    .orderBy('account_id')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.account_id, r.pending]));
}

function within<T>(ms: number, work: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    work,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} still blocked after ${ms} ms`)), ms)),
  ]);
}

describe('CRM sync marks in the relay (real PostgreSQL, real Temporal)', () => {
  it('a burn on an account being signalled is not blocked by the relay, and marks it again for the next run', async () => {
    await signalPendingCrmSyncs(
      { db: f.deps.db, temporal: client, taskQueue, retry: { initialMs: 1, maxIntervalMs: 1, maxAgeMs: 1 }, crmSync },
      1000,
    );
    const acct = await linkedAccount();
    await deduct(alerting(), { accountId: acct, creditType: 'ai', amount: '1' }, actor);
    expect(await pending([acct])).toEqual({ [acct]: true });

    // While the relay talks to Temporal, the account's next ledger write must commit.
    const slow = {
      workflow: {
        signalWithStart: async (...args: Parameters<Client['workflow']['signalWithStart']>) => {
          await within(5000, deduct(alerting(), { accountId: acct, creditType: 'ai', amount: '2' }, actor), 'the burn');
          return client.workflow.signalWithStart(...args);
        },
      },
    } as unknown as Client;
    const deps = { db: f.deps.db, temporal: slow, taskQueue, retry: { initialMs: 1, maxIntervalMs: 1, maxAgeMs: 1 }, crmSync };
    expect(await signalPendingCrmSyncs(deps, 100)).toBe(1);
    // The burn committed after the claim: the account waits for the next run.
    expect(await pending([acct])).toEqual({ [acct]: true });
    expect(await signalPendingCrmSyncs({ ...deps, temporal: client }, 100)).toBe(1);
    expect(await pending([acct])).toEqual({ [acct]: false });
    expect((await client.workflow.getHandle(crmAccountSyncWorkflowId(acct)).describe()).status.name).toBe('RUNNING');
  });

  it('a failed signal puts its mark back and fails the step after the others were signalled', async () => {
    const failing = await linkedAccount();
    const fine = await linkedAccount();
    await deduct(alerting(), { accountId: failing, creditType: 'ai', amount: '1' }, actor);
    await deduct(alerting(), { accountId: fine, creditType: 'ai', amount: '1' }, actor);
    const flaky = {
      workflow: {
        signalWithStart: (...args: Parameters<Client['workflow']['signalWithStart']>) => {
          if (args[1].workflowId === crmAccountSyncWorkflowId(failing)) return Promise.reject(new Error('Temporal unavailable'));
          return client.workflow.signalWithStart(...args);
        },
      },
    } as unknown as Client;
    const deps = { db: f.deps.db, temporal: flaky, taskQueue, retry: { initialMs: 1, maxIntervalMs: 1, maxAgeMs: 1 }, crmSync };
    await expect(signalPendingCrmSyncs(deps, 100)).rejects.toThrow('Temporal unavailable');
    expect(await pending([failing, fine])).toEqual({ [failing]: true, [fine]: false });
    expect((await client.workflow.getHandle(crmAccountSyncWorkflowId(fine)).describe()).status.name).toBe('RUNNING');
  });
});
