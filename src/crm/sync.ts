import { accountsOfMode } from '../db/account-mode-filter.js';
import type { Database } from '../db/database.js';
import type { CrmLink } from '../db/schema-crm.js';
import { requireAccount } from '../ledger/index.js';
import { ConflictError } from '../errors.js';
import { companyPropertyValues } from './company-properties.js';
import { markForSync } from './links.js';
import type { CrmGateway } from './gateway.js';
import { syncTimeline } from './timeline.js';
import { syncUpsellSignals, type UpsellSettings } from './upsell.js';

export interface CrmSyncDeps {
  db: Database;
  gateway: CrmGateway;
  clock: () => Date;
  /** Upsell signals (CRM_UPSELL_*); none when unset. */
  upsell?: UpsellSettings | undefined;
}

export interface SyncResult {
  accountId: string;
  companyId: string | null;
  updated: boolean;
  tasksCreated: number;
  /** Timeline notes made (or found made by an earlier, interrupted sync) and recorded. */
  notesSynced: number;
  /** Upsell tasks or deals made. */
  upsellsCreated: number;
}

/**
 * The company an account is linked to: by id, or (first sync) found by domain
 * and created when HubSpot has none; the id is then stored on the link.
 */
export async function resolveCompany(deps: CrmSyncDeps, link: CrmLink): Promise<string> {
  if (link.company_id) return link.company_id;
  const domain = link.domain!;
  let company = await deps.gateway.findCompanyByDomain(domain);
  if (!company) {
    const account = await requireAccount(deps.db, link.account_id);
    company = await deps.gateway.createCompany({ domain, name: account.name });
  }
  const taken = await deps.db.selectFrom('crm_links').select('account_id').where('company_id', '=', company.id).executeTakeFirst();
  if (taken && taken.account_id !== link.account_id) {
    throw new ConflictError(
      'crm_company_taken',
      `HubSpot company ${company.id} (domain ${domain}) is already linked to account ${taken.account_id}`,
    );
  }
  await deps.db
    .updateTable('crm_links')
    .set({ company_id: company.id, owner_id: link.owner_id ?? company.properties.hubspot_owner_id ?? null, updated_at: deps.clock() })
    .where('account_id', '=', link.account_id)
    .execute();
  return company.id;
}

const taskText: Record<string, { subject: string; body: string }> = {
  'recharge.failed': {
    subject: 'Burndown: auto-recharge failed',
    body: 'The automatic credit recharge could not be paid and is paused. Please contact the customer about their payment method.',
  },
  'balance.depleted': {
    subject: 'Burndown: credits depleted',
    body: 'The customer has run out of credits. Please reach out about a top-up.',
  },
};

/**
 * One sync of one account: the Burndown-owned company properties from the
 * ledger as they are now, then an owner task per pending task-worthy event
 * (recharge failed, balance depleted), then the timeline notes of the history
 * not shown yet (src/crm/timeline.ts), then a task or deal per upsell signal
 * not acted on yet (src/crm/upsell.ts). Safe to repeat; errors from the gateway
 * (rate limit, unavailable, rejected) propagate to the activity.
 */
export async function syncAccount(deps: CrmSyncDeps, accountId: string): Promise<SyncResult> {
  // A test-mode account counts as unlinked: its activity never reaches HubSpot (docs/TEST-MODE.md).
  const link = await deps.db
    .selectFrom('crm_links')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('account_id', 'in', accountsOfMode('live'))
    .executeTakeFirst();
  if (!link) return { accountId, companyId: null, updated: false, tasksCreated: 0, notesSynced: 0, upsellsCreated: 0 };
  const companyId = await resolveCompany(deps, link);
  const values = await companyPropertyValues(deps.db, accountId, deps.clock());
  await deps.gateway.updateCompany(companyId, values);

  const tasks = await deps.db
    .selectFrom('crm_tasks')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('status', '=', 'pending')
    .orderBy('created_at')
    .execute();
  // The link's owner, else the company's (read once, only when something is assigned).
  let owner: Promise<string | null> | undefined;
  const ownerOf = () =>
    (owner ??= link.owner_id
      ? Promise.resolve(link.owner_id)
      : deps.gateway.getCompanies([companyId], ['hubspot_owner_id']).then(([company]) => company?.properties.hubspot_owner_id ?? null));
  for (const task of tasks) {
    const ownerId = await ownerOf();
    const text = taskText[task.kind] ?? { subject: `Burndown: ${task.kind}`, body: task.kind };
    // Keyed by account and event: a retry after a crash between HubSpot's create and the mark below finds the
    // task made the first time instead of creating a second (the gateway's createTask is idempotent by key).
    const hubspotTaskId = await deps.gateway.createTask({
      key: `${accountId}:${task.event_id}`,
      companyId,
      ownerId,
      subject: text.subject,
      body: `${text.body}\n\nBurndown account ${accountId}, event ${task.event_id}.`,
      dueAt: deps.clock(),
    });
    await deps.db
      .updateTable('crm_tasks')
      .set({ status: 'created', hubspot_task_id: hubspotTaskId })
      .where('event_id', '=', task.event_id)
      .execute();
  }
  const timeline = await syncTimeline(deps, accountId, companyId);
  // History left for another round: the relay signals this account's sync again.
  if (timeline.more) await markForSync(deps.db, accountId, deps.clock());
  const upsellsCreated = await syncUpsellSignals(deps, { accountId, companyId, ownerId: ownerOf });
  return { accountId, companyId, updated: true, tasksCreated: tasks.length, notesSynced: timeline.notesSynced, upsellsCreated };
}
