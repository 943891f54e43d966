import type { ColumnType, Selectable } from 'kysely';

type Int8 = ColumnType<bigint, bigint | number, bigint>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T = Record<string, unknown>> = ColumnType<T, string | undefined, string>;

export const closeStatuses = ['waiting_late_events', 'frozen', 'computed', 'approved', 'posted', 'failed'] as const;
export type CloseStatus = (typeof closeStatuses)[number];

/** The persisted progress of one month-end close (the workflow's query adds the live step). */
export interface FinancePeriodTable {
  period: string;
  status: CloseStatus;
  workflow_id: string;
  started_by: string;
  started_at: Timestamp;
  late_events_until: Timestamp;
  frozen_at: Timestamp | null;
  computed_at: Timestamp | null;
  approved_by: string | null;
  approved_at: Timestamp | null;
  posted_at: Timestamp | null;
  adapter: string | null;
  totals: Json<unknown> | null;
  posting_result: Json<unknown> | null;
  error: string | null;
  updated_at: Timestamp;
}

export interface FinanceJournalLineTable {
  period: string;
  line_id: string;
  position: number;
  entry_kind: string;
  account_code: string;
  account_name: string;
  currency: string;
  debit_minor: Int8;
  credit_minor: Int8;
  reporting_currency: string;
  rate: string;
  reporting_debit_minor: Int8;
  reporting_credit_minor: Int8;
  credit_type: string | null;
  feature: string | null;
  memo: string;
}

export interface FinancePostingTable {
  period: string;
  adapter: string;
  line_id: string;
  external_ref: string | null;
  posted_at: Timestamp;
}

export interface FinanceFxRateTable {
  period: string;
  currency: string;
  rate: string;
  set_by: string;
  set_at: Timestamp;
}

export interface FinanceUsageSummaryTable {
  period: string;
  customer_id: string;
  feature: string;
  credit_type: string;
  currency: string;
  credits_burned: Int8;
  revenue_minor: Int8;
}

export interface FinanceReconciliationTable {
  id: string;
  ran_at: Timestamp;
  status: 'ok' | 'discrepancies';
  checked: Json<unknown>;
  discrepancies: Json<unknown[]>;
}

export type FinancePeriod = Selectable<FinancePeriodTable>;
export type FinanceJournalLine = Selectable<FinanceJournalLineTable>;
