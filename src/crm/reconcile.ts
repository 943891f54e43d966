import { accountsOfMode } from '../db/account-mode-filter.js';
import { companyPropertyValues } from './company-properties.js';
import { CrmRejectedError } from './gateway.js';
import { resolveCompany, type CrmSyncDeps } from './sync.js';

export interface ReconcileCounts {
  checked: number;
  inSync: number;
  repaired: number;
  failed: number;
}

/** HubSpot normalizes numbers ("10.50" → "10.5") and times; compare what they mean. */
export function sameValue(ours: string, theirs: string | null | undefined): boolean {
  const a = ours;
  const b = theirs ?? '';
  if (a === b) return true;
  const num = /^-?\d+(\.\d+)?$/;
  if (num.test(a) && num.test(b)) {
    const norm = (v: string) => (v.includes('.') ? v.replace(/0+$/, '').replace(/\.$/, '') : v).replace(/^(-?)0+(?=\d)/, '$1');
    return norm(a) === norm(b);
  }
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  return /^\d{4}-\d{2}-\d{2}T/.test(a) && !Number.isNaN(ta) && ta === tb;
}

export async function listLinkedAccounts(deps: CrmSyncDeps, after: string | null, limit: number): Promise<string[]> {
  // Live accounts only: test-mode activity never reaches HubSpot (docs/TEST-MODE.md).
  let q = deps.db
    .selectFrom('crm_links')
    .select('account_id')
    .where('account_id', 'in', accountsOfMode('live'))
    .orderBy('account_id')
    .limit(limit);
  if (after !== null) q = q.where('account_id', '>', after);
  return (await q.execute()).map((r) => r.account_id);
}

/**
 * Compares what HubSpot shows with the ledger for these accounts and rewrites
 * the Burndown-owned properties where they drifted (edited in HubSpot, or a
 * sync that never landed). One batch read per call.
 */
export async function reconcileAccounts(deps: CrmSyncDeps, accountIds: string[]): Promise<ReconcileCounts> {
  const counts: ReconcileCounts = { checked: 0, inSync: 0, repaired: 0, failed: 0 };
  const links =
    accountIds.length === 0 ? [] : await deps.db.selectFrom('crm_links').selectAll().where('account_id', 'in', accountIds).execute();
  const expected = new Map<string, { companyId: string; values: Record<string, string> }>();
  for (const link of links) {
    try {
      const companyId = await resolveCompany(deps, link);
      expected.set(link.account_id, { companyId, values: await companyPropertyValues(deps.db, link.account_id, deps.clock()) });
    } catch (error) {
      if (!(error instanceof CrmRejectedError)) throw error;
      counts.checked += 1;
      counts.failed += 1;
    }
  }
  const names = [...new Set([...expected.values()].flatMap((e) => Object.keys(e.values)))];
  const companies = new Map(
    (
      await deps.gateway.getCompanies(
        [...expected.values()].map((e) => e.companyId),
        names,
      )
    ).map((c) => [c.id, c]),
  );
  for (const { companyId, values } of expected.values()) {
    counts.checked += 1;
    const shown = companies.get(companyId)?.properties ?? {};
    const drifted = Object.entries(values).filter(([name, value]) => !sameValue(value, shown[name]));
    if (drifted.length === 0) {
      counts.inSync += 1;
      continue;
    }
    try {
      await deps.gateway.updateCompany(companyId, values);
      counts.repaired += 1;
    } catch (error) {
      if (!(error instanceof CrmRejectedError)) throw error;
      counts.failed += 1;
    }
  }
  return counts;
}
