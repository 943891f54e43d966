import type { Migration } from 'kysely';
import * as ledgerCore from './2026-11-21T000000_ledger_core.js';
import * as outbox from './2026-11-21T001000_outbox.js';
import * as consumption from './2026-11-21T010000_consumption.js';
import * as payments from './2026-11-21T030000_payments.js';
import * as grantLifecycle from './2026-11-21T020000_grant_lifecycle.js';
import * as notifications from './2026-11-21T040000_notifications.js';
import * as finance from './2026-11-21T050000_finance.js';
import * as subscriptions from './2026-11-21T060000_subscriptions.js';
import * as grantTimerMarks from './2026-11-21T070000_grant_timer_marks.js';
// Web UI (issue 15): session tokens (auth), usage rollups and account search (accounts)
import * as sessionTokens from './2026-11-29T100000_session_tokens.js';
import * as usageRollups from './2026-11-29T101000_usage_rollups.js';
import * as accountSearch from './2026-11-29T102000_account_search.js';

/**
 * Every migration, by name. Names are timestamps so they sort in the order they
 * were written; a migration is frozen once it has landed on main.
 */
export const migrations: Record<string, Migration> = {
  '2026-11-21T000000_ledger_core': ledgerCore,
  '2026-11-21T001000_outbox': outbox,
  '2026-11-21T010000_consumption': consumption,
  '2026-11-21T030000_payments': payments,
  '2026-11-21T020000_grant_lifecycle': grantLifecycle,
  '2026-11-21T040000_notifications': notifications,
  '2026-11-21T050000_finance': finance,
  '2026-11-21T060000_subscriptions': subscriptions,
  '2026-11-21T070000_grant_timer_marks': grantTimerMarks,
  '2026-11-29T100000_session_tokens': sessionTokens,
  '2026-11-29T101000_usage_rollups': usageRollups,
  '2026-11-29T102000_account_search': accountSearch,
};
