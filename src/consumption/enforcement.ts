import { createHash } from 'node:crypto';
import type { ConsumptionSettings, EnforcementMode } from './settings.js';

/** 0..99, stable per account: which rollout bucket an account falls in. */
export function rolloutBucket(accountId: string): number {
  return createHash('sha256').update(accountId).digest().readUInt32BE(0) % 100;
}

/**
 * The mode in force for an account (R-C8). A global `off` is the kill switch
 * and wins over everything. Otherwise the account's own mode when set; else
 * the global one, where a global `enforce` reaches only the accounts whose
 * bucket is below ENFORCEMENT_ROLLOUT_PERCENT and the rest run in shadow.
 */
export function effectiveMode(
  account: { id: string; enforcement_mode: EnforcementMode | null },
  settings: Pick<ConsumptionSettings, 'enforcementMode' | 'enforcementRolloutPercent'>,
): EnforcementMode {
  if (settings.enforcementMode === 'off') return 'off';
  if (account.enforcement_mode) return account.enforcement_mode;
  if (settings.enforcementMode !== 'enforce') return settings.enforcementMode;
  return rolloutBucket(account.id) < settings.enforcementRolloutPercent ? 'enforce' : 'shadow';
}
