import type { Database } from '../db/database.js';
import type { CrmLink } from '../db/schema-crm.js';
import { NotFoundError, ValidationError } from '../errors.js';

export interface CrmLinkView {
  accountId: string;
  companyId: string | null;
  domain: string | null;
  ownerId: string | null;
  linkedAt: string;
  updatedAt: string;
}

export const crmLinkView = (l: CrmLink): CrmLinkView => ({
  accountId: l.account_id,
  companyId: l.company_id,
  domain: l.domain,
  ownerId: l.owner_id,
  linkedAt: l.linked_at.toISOString(),
  updatedAt: l.updated_at.toISOString(),
});

/**
 * Links an account to a HubSpot company by id, or by domain (the company is
 * found or created on the first sync). Marks the account for a sync. A
 * test-mode account is never linked: only linked accounts are synced, so
 * test-mode activity never reaches HubSpot (docs/TEST-MODE.md).
 */
export async function linkAccount(
  db: Database,
  input: { accountId: string; companyId?: string | undefined; domain?: string | undefined },
  now: Date,
): Promise<CrmLinkView> {
  if (!input.companyId && !input.domain) {
    throw new ValidationError('Give companyId or domain', [{ path: 'companyId', message: 'companyId or domain is required' }]);
  }
  const account = await db.selectFrom('accounts').select('mode').where('id', '=', input.accountId).executeTakeFirst();
  if (account?.mode === 'test') {
    throw new ValidationError('A test-mode account is never synced to HubSpot', [
      { path: 'accountId', message: 'test-mode accounts cannot be linked to HubSpot' },
    ]);
  }
  const taken = input.companyId
    ? await db
        .selectFrom('crm_links')
        .select('account_id')
        .where('company_id', '=', input.companyId)
        .where('account_id', '<>', input.accountId)
        .executeTakeFirst()
    : undefined;
  if (taken)
    throw new ValidationError('Company already linked', [{ path: 'companyId', message: `already linked to account ${taken.account_id}` }]);
  const values = { company_id: input.companyId ?? null, domain: input.domain ?? null, updated_at: now };
  const row = await db
    .insertInto('crm_links')
    .values({ account_id: input.accountId, ...values, linked_at: now })
    .onConflict((oc) => oc.column('account_id').doUpdateSet(values))
    .returningAll()
    .executeTakeFirstOrThrow();
  await markForSync(db, input.accountId, now);
  return crmLinkView(row);
}

/** Marks the account for a sync: the outbox relay signals its sync workflow on its next round. */
export async function markForSync(db: Database, accountId: string, now: Date): Promise<void> {
  await db
    .insertInto('crm_sync_marks')
    .values({ account_id: accountId, pending: true, marked_at: now })
    .onConflict((oc) => oc.column('account_id').doUpdateSet({ pending: true, marked_at: now }))
    .execute();
}

export async function getLink(db: Database, accountId: string): Promise<CrmLinkView> {
  const row = await db.selectFrom('crm_links').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  if (!row) throw new NotFoundError('HubSpot link of account', accountId);
  return crmLinkView(row);
}
