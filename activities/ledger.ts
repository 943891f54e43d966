import { type LedgerDeps } from '../src/ledger/index.js';
import { sweepExpiredHolds } from '../src/observability/measured-ledger.js';

/** Ledger activities over the narrow LedgerDeps interface. */
export function createLedgerActivities(deps: { ledger: LedgerDeps }) {
  return {
    async sweepExpiredHolds(limit: number): Promise<number> {
      return sweepExpiredHolds(deps.ledger, limit);
    },
  };
}

export type LedgerActivities = ReturnType<typeof createLedgerActivities>;
