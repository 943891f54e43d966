import type { LedgerDeps } from '../src/ledger/context.js';
import { sweepExpiredHolds } from '../src/ledger/holds.js';

/** Ledger activities over the narrow LedgerDeps interface. */
export function createLedgerActivities(deps: { ledger: LedgerDeps }) {
  return {
    async sweepExpiredHolds(limit: number): Promise<number> {
      return sweepExpiredHolds(deps.ledger, limit);
    },
  };
}

export type LedgerActivities = ReturnType<typeof createLedgerActivities>;
