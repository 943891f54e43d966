import type { LedgerSqlObserver } from '../ledger/index.js';

export interface BalanceAlertDefaults {
  /** Whole credits; 0 means no default threshold (only per-account settings). */
  lowThreshold: number;
  /** balance.low re-arms at threshold + threshold × percent / 100 (rounded down). */
  rearmPercent: number;
}

/**
 * balance.low and balance.depleted (R-I4), written in the ledger operation's
 * own transaction by the SQL function notifications_balance_alerts
 * (migrations/2026-11-29T001000_balance_alerts_sql.ts), which the ledger runs
 * inside the operation's one call: alerts cost no round trip. It reads the
 * balance rows of the operation account and its pool parents with their
 * thresholds and armed states, stores the states that change, and marks the
 * accounts linked to HubSpot for a CRM sync. Events are written only on a
 * transition, which is rare.
 *
 * Hysteresis: balance.low fires when the balance drops below the threshold and
 * stays quiet until the balance is back at or above the re-arm level (a top-up),
 * so burns hovering around the threshold do not flap. balance.depleted fires at
 * zero or below (on a row that ever had credits) and re-arms once it is positive.
 *
 * The balance evaluated is each account's own row (Σ remaining − debt, held
 * credits excluded). Pool parents are evaluated too: a pooled child burning
 * its parent's grants moves the parent's row, and the parent's owner must hear
 * of it. The operation holds the balance locks of the whole pool chain, so
 * concurrent children cannot race on a parent's armed state.
 */
export function createBalanceAlertObserver(defaults: BalanceAlertDefaults): LedgerSqlObserver {
  return {
    sqlFunction: 'notifications_balance_alerts',
    args: { lowThreshold: defaults.lowThreshold, rearmPercent: defaults.rearmPercent },
  };
}
