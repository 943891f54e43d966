import { sql, type Kysely } from 'kysely';

/**
 * Finance (R-I3, R-A2..R-A4): month-end close state, the computed journal,
 * postings to the accounting system (idempotent by period, adapter and line),
 * reporting-currency rates set through the API, the per-customer usage
 * summary of a close, nightly reconciliation reports and GDPR erasures.
 * The freeze itself is a row in `closed_periods` (consumption's table). Frozen.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('finance_periods')
    .addColumn('period', 'text', (c) => c.primaryKey().check(sql`period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'`))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('waiting_late_events', 'frozen', 'computed', 'approved', 'posted', 'failed')`),
    )
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('started_by', 'text', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('late_events_until', 'timestamptz', (c) => c.notNull())
    .addColumn('frozen_at', 'timestamptz')
    .addColumn('computed_at', 'timestamptz')
    .addColumn('approved_by', 'text')
    .addColumn('approved_at', 'timestamptz')
    .addColumn('posted_at', 'timestamptz')
    .addColumn('adapter', 'text')
    .addColumn('totals', 'jsonb')
    .addColumn('posting_result', 'jsonb')
    .addColumn('error', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('finance_journal_lines')
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('line_id', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('entry_kind', 'text', (c) => c.notNull())
    .addColumn('account_code', 'text', (c) => c.notNull())
    .addColumn('account_name', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('debit_minor', 'int8', (c) => c.notNull().check(sql`debit_minor >= 0`))
    .addColumn('credit_minor', 'int8', (c) => c.notNull().check(sql`credit_minor >= 0`))
    .addColumn('reporting_currency', 'text', (c) => c.notNull())
    .addColumn('rate', 'text', (c) => c.notNull())
    .addColumn('reporting_debit_minor', 'int8', (c) => c.notNull())
    .addColumn('reporting_credit_minor', 'int8', (c) => c.notNull())
    .addColumn('credit_type', 'text')
    .addColumn('feature', 'text')
    .addColumn('memo', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('finance_journal_lines_pk', ['period', 'line_id'])
    .execute();

  // One row per line the accounting system has accepted: a re-run skips them.
  await db.schema
    .createTable('finance_postings')
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('adapter', 'text', (c) => c.notNull())
    .addColumn('line_id', 'text', (c) => c.notNull())
    .addColumn('external_ref', 'text')
    .addColumn('posted_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('finance_postings_pk', ['period', 'adapter', 'line_id'])
    .execute();

  await db.schema
    .createTable('finance_fx_rates')
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull().check(sql`currency ~ '^[A-Z]{3}$'`))
    .addColumn('rate', 'text', (c) => c.notNull().check(sql`rate ~ '^[0-9]{1,12}(\\.[0-9]{1,12})?$'`))
    .addColumn('set_by', 'text', (c) => c.notNull())
    .addColumn('set_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('finance_fx_rates_pk', ['period', 'currency'])
    .execute();

  await db.schema
    .createTable('finance_usage_summary')
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('feature', 'text', (c) => c.notNull())
    .addColumn('credit_type', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('credits_burned', 'int8', (c) => c.notNull())
    .addColumn('revenue_minor', 'int8', (c) => c.notNull())
    .addPrimaryKeyConstraint('finance_usage_summary_pk', ['period', 'customer_id', 'feature', 'credit_type', 'currency'])
    .execute();

  await db.schema
    .createTable('finance_reconciliations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('ran_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('ok', 'discrepancies')`))
    .addColumn('checked', 'jsonb', (c) => c.notNull())
    .addColumn('discrepancies', 'jsonb', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('finance_reconciliations_time_idx').on('finance_reconciliations').column('ran_at').execute();

  await db.schema
    .createTable('gdpr_erasures')
    .addColumn('account_id', 'text', (c) => c.primaryKey())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('erased_at', 'timestamptz', (c) => c.notNull())
    .addColumn('fields', sql`text[]`, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'gdpr_erasures',
    'finance_reconciliations',
    'finance_usage_summary',
    'finance_fx_rates',
    'finance_postings',
    'finance_journal_lines',
    'finance_periods',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
