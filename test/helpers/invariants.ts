import { expect } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { checkLedgerInvariants } from '../../src/ledger/invariants.js';
import { checkUsageRollups } from '../../src/accounts/usage-rollups.js';

/**
 * The ledger invariant check every suite runs after each test:
 * granted − voided = (burned − refunded) + expired + available + held per
 * account and credit type, every stored balance equals the sum of its entries,
 * and every hash chain verifies (see src/ledger/invariants.ts).
 */
export async function expectLedgerInvariants(db: Database): Promise<void> {
  const violations = await checkLedgerInvariants(db);
  expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
  // The usage rollups (src/accounts/usage-rollups.ts) equal the entries' sums (migrations/2026-11-29T101000_usage_rollups.ts).
  const rollups = await checkUsageRollups(db);
  expect(rollups, JSON.stringify(rollups, null, 2)).toEqual([]);
}
