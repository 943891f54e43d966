import type { LedgerDeps, OperationMeta } from './context.js';
import type { GrantView } from './grants.js';
import { runLedgerOperation } from './ledger-transaction.js';

export interface ExpiryChange {
  grant: GrantView;
  previousExpiresAt: string | null;
}

/**
 * Moves (or removes, with null) an active grant's expiry. Grant metadata, not a
 * money movement: no entry is written, but it runs as a ledger operation
 * (ledger_change_grant_expiry) so it is serialised with burns under the
 * balance lock, idempotent by key, and seen by observers (the audit log
 * records it). The new expiry must lie after the grant's effective time and in
 * the future: to end a grant now, void it.
 */
export function changeGrantExpiry(deps: LedgerDeps, grantId: string, expiresAt: Date | null, meta: OperationMeta): Promise<ExpiryChange> {
  const request = { grantId, expiresAt: expiresAt?.toISOString() ?? null };
  return runLedgerOperation<ExpiryChange>(deps, { kind: 'grant_expiry_change', fields: request, meta, request });
}
