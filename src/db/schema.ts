import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { AuditLogTable, GdprErasureTable, LedgerAnchorHeadTable, LedgerAnchorTable } from './schema-audit.js';
import type { GrantApprovalTable, GrantTimerMarkTable, SubscriptionTable } from './schema-grants.js';
import type {
  ClosedPeriodTable,
  ConsumptionTable,
  EnforcementSettingsTable,
  PriceOverrideTable,
  PricingVersionTable,
  ShadowEntryTable,
  UsageEventRejectionTable,
  UsageEventTable,
} from './schema-consumption.js';
import type {
  FinanceFxRateTable,
  FinanceJournalLineTable,
  FinancePeriodTable,
  FinancePostingTable,
  FinanceReconciliationTable,
  FinanceUsageSummaryTable,
} from './schema-finance.js';
import type { CrmTables } from './schema-crm.js';
import type { PoolMemberCapTable, PoolMemberDrawTable, UsageRollupTable } from './schema-accounts.js';
import type { SessionTokenTable } from './schema-auth.js';
import type { DisputeNoteTable, DisputeTable } from './schema-disputes.js';
import type { EmailTables } from './schema-email.js';
import type { ImportRowTable, ImportTable } from './schema-imports.js';
import type { PricingSimulationResultTable, PricingSimulationTable } from './schema-pricing-simulations.js';
import type {
  BalanceAlertSettingsTable,
  BalanceAlertStateTable,
  OutboxDispatchTable,
  OutboxRelayStateTable,
  WebhookDeliveryTable,
  WebhookEndpointHealthTable,
  WebhookEndpointTable,
} from './schema-notifications.js';
import type {
  PaymentAccountFlagTable,
  PurchaseTable,
  RechargeSettingsTable,
  StripeCustomerTable,
  StripeEventTable,
} from './schema-payments.js';

/** int8 columns come back as bigint (see createDatabase) and go in as bigint. */
type Int8 = ColumnType<bigint, bigint | number, bigint>;
type Int8Default = ColumnType<bigint, bigint | number | undefined, bigint>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T = Record<string, unknown>> = ColumnType<T, string | undefined, string>;

export type EnforcementMode = 'enforce' | 'shadow' | 'off';
/** Test mode, as Stripe has it (migrations/2026-11-30T113700_test_mode.ts): set when a row is made, never changed. */
export type Mode = 'live' | 'test';
type ModeColumn = ColumnType<Mode, Mode | undefined, never>;
/** What a grant may be issued as through the API; `migration` is written only by a bulk import (docs/IMPORTS.md). */
export const issuableGrantSources = ['purchase', 'promo', 'support', 'plan', 'trial', 'rollover', 'refund'] as const;
export const grantSources = [...issuableGrantSources, 'migration'] as const;
export type GrantSource = (typeof grantSources)[number];
export type GrantStatus = 'active' | 'voided' | 'expired';
export type HoldStatus = 'active' | 'committed' | 'released' | 'expired';
export const entryTypes = ['grant', 'burn', 'settle', 'hold', 'release', 'commit', 'expiry', 'void', 'refund', 'adjustment'] as const;
export type EntryType = (typeof entryTypes)[number];

export interface CreditTypeTable {
  id: string;
  name: string;
  precision: number;
  created_at: CreatedAt;
}

export interface AccountTable {
  id: string;
  name: string;
  parent_id: string | null;
  enforcement_mode: EnforcementMode | null;
  pricing_version: string | null;
  cohort: string | null;
  metadata: Json;
  mode: ModeColumn;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface BalanceTable {
  account_id: string;
  credit_type: string;
  balance: Int8Default;
  held: Int8Default;
  debt: Int8Default;
  granted: Int8Default;
  burned: Int8Default;
  refunded: Int8Default;
  expired: Int8Default;
  voided: Int8Default;
  overdraft_limit: Int8Default;
  entry_seq: Int8Default;
  last_hash: Buffer | null;
  /** Time of the newest entry in this chain; entry times never run backwards. */
  last_entry_at: Date | null;
}

export interface GrantTable {
  account_id: string;
  id: string;
  credit_type: string;
  amount: Int8;
  remaining: Int8;
  source: GrantSource;
  priority: number;
  effective_at: Timestamp;
  expires_at: Timestamp | null;
  reason_code: string | null;
  reason: string | null;
  issued_by: string;
  cost_basis_minor: Int8 | null;
  cost_basis_currency: string | null;
  pricing_version: string | null;
  external_ref: string | null;
  status: ColumnType<GrantStatus, GrantStatus | undefined, GrantStatus>;
  transaction_id: string;
  metadata: Json;
  created_at: CreatedAt;
}

export interface HoldTable {
  account_id: string;
  id: string;
  credit_type: string;
  amount: Int8;
  status: ColumnType<HoldStatus, HoldStatus | undefined, HoldStatus>;
  committed_amount: Int8 | null;
  expires_at: Timestamp | null;
  feature: string | null;
  owner_ref: string | null;
  transaction_id: string;
  closed_transaction_id: string | null;
  created_by: string;
  created_at: CreatedAt;
  closed_at: Timestamp | null;
  /** The account's own user the hold was made for (issue 18), if the caller named one. */
  user_id: ColumnType<string | null, string | null | undefined, never>;
}

export interface HoldAllocationTable {
  account_id: string;
  hold_id: string;
  grant_account_id: string;
  grant_id: string;
  amount: Int8;
}

export interface LedgerTransactionTable {
  account_id: string;
  id: string;
  kind: string;
  credit_type: string;
  idempotency_key: string | null;
  request_hash: string | null;
  related_transaction_id: string | null;
  result: Json<unknown>;
  actor: string;
  created_at: CreatedAt;
  /** The account's own user the operation was for (deducts, holds; commits and refunds inherit it). */
  user_id: ColumnType<string | null, string | null | undefined, never>;
}

export interface LedgerEntryTable {
  account_id: string;
  id: Generated<bigint>;
  credit_type: string;
  seq: Int8;
  transaction_id: string;
  entry_type: EntryType;
  amount: Int8;
  balance_before: Int8;
  balance_after: Int8;
  held_after: Int8;
  grant_id: string | null;
  grant_remaining_before: Int8 | null;
  grant_remaining_after: Int8 | null;
  hold_id: string | null;
  initiator_account_id: string;
  actor: string;
  reason: string | null;
  feature: string | null;
  usage_event_id: string | null;
  idempotency_key: string | null;
  metadata: Json;
  created_at: Timestamp;
  prev_hash: Buffer | null;
  hash: Buffer;
}

export interface IdempotencyKeyTable {
  api_key_id: string;
  key: string;
  method: string;
  path: string;
  request_hash: string;
  status_code: number;
  response_body: string | null;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
  expires_at: Timestamp;
  /** The API process (instance id) whose in-flight claim this is; null when it did not say. */
  owner: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ApiKeyTable {
  id: string;
  name: string;
  subject: string;
  secret_hash: Buffer;
  scopes: string[];
  account_id: string | null;
  mode: ModeColumn;
  created_at: CreatedAt;
  revoked_at: Timestamp | null;
  expires_at: Timestamp | null;
  /** After a roll: the old secret, valid until previous_expires_at. */
  previous_secret_hash: Buffer | null;
  previous_expires_at: Timestamp | null;
  created_by: string | null;
  revoked_by: string | null;
}

export interface OutboxEventTable {
  id: string;
  seq: Generated<bigint>;
  account_id: string | null;
  type: string;
  schema_version: ColumnType<number, number | undefined, number>;
  payload: Json<unknown>;
  occurred_at: Timestamp;
  created_at: CreatedAt;
}

export interface DB extends CrmTables, EmailTables {
  disputes: DisputeTable;
  imports: ImportTable;
  import_rows: ImportRowTable;
  pricing_simulations: PricingSimulationTable;
  pricing_simulation_results: PricingSimulationResultTable;
  dispute_notes: DisputeNoteTable;
  session_tokens: SessionTokenTable;
  usage_rollups: UsageRollupTable;
  pool_member_caps: PoolMemberCapTable;
  pool_member_draws: PoolMemberDrawTable;
  subscriptions: SubscriptionTable;
  finance_periods: FinancePeriodTable;
  finance_journal_lines: FinanceJournalLineTable;
  finance_postings: FinancePostingTable;
  finance_fx_rates: FinanceFxRateTable;
  finance_usage_summary: FinanceUsageSummaryTable;
  finance_reconciliations: FinanceReconciliationTable;
  gdpr_erasures: GdprErasureTable;
  ledger_anchors: LedgerAnchorTable;
  ledger_anchor_heads: LedgerAnchorHeadTable;
  pricing_versions: PricingVersionTable;
  price_overrides: PriceOverrideTable;
  consumptions: ConsumptionTable;
  usage_events: UsageEventTable;
  usage_event_rejections: UsageEventRejectionTable;
  shadow_entries: ShadowEntryTable;
  enforcement_settings: EnforcementSettingsTable;
  closed_periods: ClosedPeriodTable;
  stripe_customers: StripeCustomerTable;
  purchases: PurchaseTable;
  stripe_events: StripeEventTable;
  recharge_settings: RechargeSettingsTable;
  payment_account_flags: PaymentAccountFlagTable;
  outbox_relay_state: OutboxRelayStateTable;
  outbox_dispatches: OutboxDispatchTable;
  balance_alert_settings: BalanceAlertSettingsTable;
  balance_alert_state: BalanceAlertStateTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_endpoint_health: WebhookEndpointHealthTable;
  audit_log: AuditLogTable;
  grant_approvals: GrantApprovalTable;
  grant_timer_marks: GrantTimerMarkTable;
  outbox_events: OutboxEventTable;
  credit_types: CreditTypeTable;
  accounts: AccountTable;
  balances: BalanceTable;
  grants: GrantTable;
  holds: HoldTable;
  hold_allocations: HoldAllocationTable;
  ledger_transactions: LedgerTransactionTable;
  ledger_entries: LedgerEntryTable;
  idempotency_keys: IdempotencyKeyTable;
  api_keys: ApiKeyTable;
}

export type CreditType = Selectable<CreditTypeTable>;
export type Account = Selectable<AccountTable>;
export type NewAccount = Insertable<AccountTable>;
export type AccountUpdate = Updateable<AccountTable>;
export type Balance = Selectable<BalanceTable>;
export type Grant = Selectable<GrantTable>;
export type NewGrant = Insertable<GrantTable>;
export type Hold = Selectable<HoldTable>;
export type HoldAllocation = Selectable<HoldAllocationTable>;
export type LedgerEntry = Selectable<LedgerEntryTable>;
export type NewLedgerEntry = Insertable<LedgerEntryTable>;
export type LedgerTransaction = Selectable<LedgerTransactionTable>;
export type ApiKey = Selectable<ApiKeyTable>;
export type OutboxEvent = Selectable<OutboxEventTable>;
