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
import * as ledgerSqlCore from './2026-11-29T000000_ledger_sql_core.js';
import * as ledgerSqlPosting from './2026-11-29T000100_ledger_sql_posting.js';
import * as ledgerSqlSpend from './2026-11-29T000200_ledger_sql_spend.js';
import * as ledgerSqlCloseHold from './2026-11-29T000300_ledger_sql_close_hold.js';
import * as ledgerSqlGrants from './2026-11-29T000400_ledger_sql_grants.js';
import * as ledgerSqlRefund from './2026-11-29T000500_ledger_sql_refund.js';
import * as ledgerSqlExecute from './2026-11-29T000600_ledger_sql_execute.js';
import * as ledgerResultText from './2026-11-29T000700_ledger_result_text.js';
import * as balanceAlertsSql from './2026-11-29T001000_balance_alerts_sql.js';
import * as rechargeTriggerSql from './2026-11-29T001100_recharge_trigger_sql.js';
import * as auditSql from './2026-11-29T001200_audit_sql.js';
// Web UI (issue 15): session tokens (auth), usage rollups and account search (accounts)
import * as sessionTokens from './2026-11-29T100000_session_tokens.js';
import * as usageRollups from './2026-11-29T101000_usage_rollups.js';
import * as accountSearch from './2026-11-29T102000_account_search.js';
import * as usageEventDedupPerAccount from './2026-11-29T110000_usage_event_dedup_per_account.js';
import * as security from './2026-11-29T111000_security.js';
// Operations (issue 16): read-only views for BI tools
import * as reporting from './2026-11-29T130000_reporting.js';
import * as dataRetention from './2026-11-29T131000_data_retention.js';
// Pricing (issue 18): per-customer price overrides
import * as priceOverrides from './2026-11-29T140000_price_overrides.js';
// Customer lifecycle (issue 19): dispute cases
import * as disputes from './2026-11-29T150000_disputes.js';
import * as runtimeSettings from './2026-11-30T101000_runtime_settings.js';
import * as usageEventRejections from './2026-11-30T104000_usage_event_rejections.js';
import * as testMode from './2026-11-30T113700_test_mode.js';
// Scale-out (issue 16): in-flight Idempotency-Key claims name their API process
import * as idempotencyOwner from './2026-11-30T120000_idempotency_owner.js';
// Operations (issue 16): commits that write outbox events wake the relay
import * as outboxNotify from './2026-11-30T121000_outbox_notify.js';
import * as customerEmail from './2026-11-30T130000_customer_email.js';
// Customer lifecycle (issue 19): bulk import from another billing system
import * as imports from './2026-11-30T131000_imports.js';
import * as crmTimelineUpsell from './2026-11-30T132000_crm_timeline_upsell.js';
import * as ledgerExecuteSequence from './2026-11-30T133000_ledger_execute_sequence.js';
// Paid subscriptions (issue 18): purchases of origin subscription
import * as ledgerBalanceView from './2026-11-30T141000_ledger_balance_view.js';
import * as usagePendingView from './2026-11-30T141100_usage_pending_view.js';
import * as entitlementView from './2026-11-30T141200_entitlement_view.js';
import * as subscriptionPurchases from './2026-11-30T134000_subscription_purchases.js';
import * as pricingSimulations from './2026-11-30T142000_pricing_simulations.js';
import * as usageEventsPendingByAccount from './2026-11-30T140000_usage_events_pending_by_account.js';
import * as userAttribution from './2026-11-30T143000_user_attribution.js';
import * as poolMemberCaps from './2026-11-30T143100_pool_member_caps.js';

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
  '2026-11-29T000000_ledger_sql_core': ledgerSqlCore,
  '2026-11-29T000100_ledger_sql_posting': ledgerSqlPosting,
  '2026-11-29T000200_ledger_sql_spend': ledgerSqlSpend,
  '2026-11-29T000300_ledger_sql_close_hold': ledgerSqlCloseHold,
  '2026-11-29T000400_ledger_sql_grants': ledgerSqlGrants,
  '2026-11-29T000500_ledger_sql_refund': ledgerSqlRefund,
  '2026-11-29T000600_ledger_sql_execute': ledgerSqlExecute,
  '2026-11-29T000700_ledger_result_text': ledgerResultText,
  '2026-11-29T001000_balance_alerts_sql': balanceAlertsSql,
  '2026-11-29T001100_recharge_trigger_sql': rechargeTriggerSql,
  '2026-11-29T001200_audit_sql': auditSql,
  '2026-11-29T100000_session_tokens': sessionTokens,
  '2026-11-29T101000_usage_rollups': usageRollups,
  '2026-11-29T102000_account_search': accountSearch,
  '2026-11-29T110000_usage_event_dedup_per_account': usageEventDedupPerAccount,
  '2026-11-29T111000_security': security,
  '2026-11-29T130000_reporting': reporting,
  '2026-11-29T131000_data_retention': dataRetention,
  '2026-11-29T140000_price_overrides': priceOverrides,
  '2026-11-29T150000_disputes': disputes,
  '2026-11-30T101000_runtime_settings': runtimeSettings,
  '2026-11-30T104000_usage_event_rejections': usageEventRejections,
  '2026-11-30T113700_test_mode': testMode,
  '2026-11-30T120000_idempotency_owner': idempotencyOwner,
  '2026-11-30T121000_outbox_notify': outboxNotify,
  '2026-11-30T130000_customer_email': customerEmail,
  '2026-11-30T131000_imports': imports,
  '2026-11-30T132000_crm_timeline_upsell': crmTimelineUpsell,
  '2026-11-30T133000_ledger_execute_sequence': ledgerExecuteSequence,
  '2026-11-30T134000_subscription_purchases': subscriptionPurchases,
  '2026-11-30T140000_usage_events_pending_by_account': usageEventsPendingByAccount,
  '2026-11-30T141000_ledger_balance_view': ledgerBalanceView,
  '2026-11-30T141100_usage_pending_view': usagePendingView,
  '2026-11-30T141200_entitlement_view': entitlementView,
  '2026-11-30T142000_pricing_simulations': pricingSimulations,
  '2026-11-30T143000_user_attribution': userAttribution,
  '2026-11-30T143100_pool_member_caps': poolMemberCaps,
};
