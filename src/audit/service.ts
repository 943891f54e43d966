import { NotFoundError } from '../errors.js';
import { requireAccount, type LedgerDeps } from '../ledger/index.js';
import { queryAudit, type AuditFilter, type AuditView } from './audit-log.js';
import { verifyAccountChains } from './chain-verify.js';
import { eraseAccount } from './gdpr-erasure.js';
import { writeAccountExport } from './gdpr-export.js';
import { customerStory, transactionStory } from './transaction-story.js';
import type { Viewer } from '../auth/viewer.js';
import { anchorKeyOf } from '../auth/secret-box.js';
import type { Config } from '../config/config.js';

/** What the audit routes call. It needs the database and the clock (the ledger's), and the ledger anchors' key. */
export interface AuditServiceDeps {
  ledger: LedgerDeps;
  config: Pick<Config, 'LEDGER_ANCHOR_KEY'>;
}

/** Audit records matching every given filter, newest first. */
export function auditRecords(deps: AuditServiceDeps, filter: AuditFilter): Promise<AuditView[]> {
  return queryAudit(deps.ledger.db, filter);
}

/** An existing account's audit trail, newest first, a page at a time (the console's account page). */
export async function accountAuditTrail(deps: AuditServiceDeps, accountId: string, page: { before?: bigint | undefined; limit: number }) {
  await requireAccount(deps.ledger.db, accountId);
  const data = await queryAudit(deps.ledger.db, { accountId, before: page.before, limit: page.limit });
  return { data, nextCursor: data.length === page.limit ? data[data.length - 1]!.id : null };
}

/** Every hash chain of an existing account (one per credit type), verified, with its anchors. */
export async function verifyChains(deps: AuditServiceDeps, accountId: string, creditType: string | undefined) {
  await requireAccount(deps.ledger.db, accountId);
  const chains = await verifyAccountChains(deps.ledger.db, anchorKeyOf(deps.config), accountId, creditType);
  return { ok: chains.every((c) => c.ok), chains };
}

/** The account a ledger transaction belongs to (the one that initiated it). */
export async function transactionAccount(deps: AuditServiceDeps, transactionId: string): Promise<string> {
  const row = await deps.ledger.db
    .selectFrom('ledger_transactions')
    .select('account_id')
    .where('id', '=', transactionId)
    .orderBy('account_id')
    .executeTakeFirst();
  if (!row) throw new NotFoundError('transaction', transactionId);
  return row.account_id;
}

/** The dispute view of a ledger transaction: what caused it and everything it touched. */
export async function disputeView(deps: AuditServiceDeps, transactionId: string, viewer: Viewer) {
  const story = await transactionStory(deps.ledger.db, transactionId);
  return viewer === 'customer' ? customerStory(story) : story;
}

/**
 * The GDPR export of an existing account: checks the account, then returns
 * the function that streams the export page by page to `write`.
 */
export async function openAccountExport(deps: AuditServiceDeps, accountId: string, viewer: Viewer) {
  await requireAccount(deps.ledger.db, accountId);
  return (format: 'json' | 'csv', write: (chunk: string) => Promise<void>) =>
    writeAccountExport(deps.ledger.db, accountId, format, deps.ledger.clock(), write, viewer);
}

/** GDPR erasure of an account's personal data (ledger rows stay, pseudonymous). */
export function eraseAccountData(deps: AuditServiceDeps, accountId: string, actor: string) {
  return eraseAccount(deps.ledger.db, accountId, actor, deps.ledger.clock());
}
