import { sql, type Kysely } from 'kysely';

/**
 * The ledger core. Frozen: later changes are new migrations.
 *
 * Every hot table leads its primary key with account_id so that it can be
 * distributed by account (see docs/ledger-design.md). Amounts are int8 counts of
 * the credit type's smallest unit (10^-precision); money is int8 minor units of
 * an ISO 4217 currency. Times are timestamptz.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('credit_types')
    .addColumn('id', 'text', (c) => c.primaryKey().check(sql`id ~ '^[a-z][a-z0-9_-]{0,31}$'`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('precision', 'smallint', (c) => c.notNull().check(sql`precision between 0 and 9`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey().check(sql`id ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$'`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'text', (c) => c.references('accounts.id'))
    .addColumn('enforcement_mode', 'text', (c) => c.check(sql`enforcement_mode in ('enforce', 'shadow', 'off')`))
    .addColumn('pricing_version', 'text')
    .addColumn('cohort', 'text')
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('accounts_not_own_parent', sql`parent_id is distinct from id`)
    .execute();
  await db.schema.createIndex('accounts_parent_idx').on('accounts').column('parent_id').execute();

  // One row per account and credit type: the row every mutation locks, and the
  // stored totals that the invariant checks against the entries.
  await db.schema
    .createTable('balances')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('credit_type', 'text', (c) => c.notNull().references('credit_types.id'))
    .addColumn('balance', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('held', 'int8', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`held >= 0`),
    )
    .addColumn('debt', 'int8', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`debt >= 0`),
    )
    .addColumn('granted', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('burned', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('refunded', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('expired', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('voided', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('overdraft_limit', 'int8', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`overdraft_limit >= 0`),
    )
    .addColumn('entry_seq', 'int8', (c) => c.notNull().defaultTo(0))
    .addColumn('last_hash', 'bytea')
    .addColumn('last_entry_at', 'timestamptz')
    .addPrimaryKeyConstraint('balances_pk', ['account_id', 'credit_type'])
    .execute();

  await db.schema
    .createTable('grants')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('credit_type', 'text', (c) => c.notNull().references('credit_types.id'))
    .addColumn('amount', 'int8', (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('remaining', 'int8', (c) => c.notNull().check(sql`remaining >= 0 and remaining <= amount`))
    .addColumn('source', 'text', (c) =>
      c.notNull().check(sql`source in ('purchase', 'promo', 'support', 'plan', 'trial', 'rollover', 'refund')`),
    )
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('effective_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz')
    .addColumn('reason_code', 'text')
    .addColumn('reason', 'text')
    .addColumn('issued_by', 'text', (c) => c.notNull())
    .addColumn('cost_basis_minor', 'int8', (c) => c.check(sql`cost_basis_minor >= 0`))
    .addColumn('cost_basis_currency', 'text', (c) => c.check(sql`cost_basis_currency ~ '^[A-Z]{3}$'`))
    .addColumn('pricing_version', 'text')
    .addColumn('external_ref', 'text')
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('active')
        .check(sql`status in ('active', 'voided', 'expired')`),
    )
    .addColumn('transaction_id', 'text', (c) => c.notNull())
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('grants_pk', ['account_id', 'id'])
    .addCheckConstraint('grants_expiry_after_effective', sql`expires_at is null or expires_at > effective_at`)
    .addCheckConstraint('grants_cost_basis_pair', sql`(cost_basis_minor is null) = (cost_basis_currency is null)`)
    .execute();
  // The burn-order scan: priority, soonest expiry (never-expiring last), oldest.
  await sql`create index grants_burn_order_idx on grants
    (account_id, credit_type, priority, expires_at asc nulls last, created_at, id)
    where remaining > 0 and status = 'active'`.execute(db);
  await db.schema.createIndex('grants_id_idx').on('grants').column('id').execute();
  await sql`create unique index grants_external_ref_uq on grants (account_id, external_ref)
    where external_ref is not null`.execute(db);

  await db.schema
    .createTable('holds')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('credit_type', 'text', (c) => c.notNull().references('credit_types.id'))
    .addColumn('amount', 'int8', (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('active')
        .check(sql`status in ('active', 'committed', 'released', 'expired')`),
    )
    .addColumn('committed_amount', 'int8')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('feature', 'text')
    .addColumn('owner_ref', 'text')
    .addColumn('transaction_id', 'text', (c) => c.notNull())
    .addColumn('closed_transaction_id', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('closed_at', 'timestamptz')
    .addPrimaryKeyConstraint('holds_pk', ['account_id', 'id'])
    .execute();
  await db.schema.createIndex('holds_id_idx').on('holds').column('id').execute();
  await sql`create index holds_expiry_idx on holds (expires_at) where status = 'active'`.execute(db);
  await sql`create index holds_active_idx on holds (account_id, credit_type) where status = 'active'`.execute(db);

  // Which grants a hold took its credits from; a pooled hold can draw on the
  // parent's grants, so the grant's own account is kept beside it.
  await db.schema
    .createTable('hold_allocations')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('hold_id', 'text', (c) => c.notNull())
    .addColumn('grant_account_id', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text', (c) => c.notNull())
    .addColumn('amount', 'int8', (c) => c.notNull().check(sql`amount > 0`))
    .addPrimaryKeyConstraint('hold_allocations_pk', ['account_id', 'hold_id', 'grant_account_id', 'grant_id'])
    .addForeignKeyConstraint('hold_allocations_hold_fk', ['account_id', 'hold_id'], 'holds', ['account_id', 'id'])
    .addForeignKeyConstraint('hold_allocations_grant_fk', ['grant_account_id', 'grant_id'], 'grants', ['account_id', 'id'])
    .execute();

  // A ledger transaction groups the entries of one operation, and is the unit of
  // internal idempotency (activity retries carry a key derived from the workflow).
  await db.schema
    .createTable('ledger_transactions')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('credit_type', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text')
    .addColumn('request_hash', 'text')
    .addColumn('related_transaction_id', 'text')
    .addColumn('result', 'jsonb', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('ledger_transactions_pk', ['account_id', 'id'])
    .execute();
  await db.schema.createIndex('ledger_transactions_id_idx').on('ledger_transactions').column('id').execute();
  await sql`create index ledger_transactions_related_idx on ledger_transactions (account_id, related_transaction_id)
    where related_transaction_id is not null`.execute(db);
  await sql`create unique index ledger_transactions_idem_uq on ledger_transactions (account_id, idempotency_key)
    where idempotency_key is not null`.execute(db);

  await db.schema
    .createTable('ledger_entries')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('id', 'int8', (c) => c.notNull().generatedAlwaysAsIdentity())
    .addColumn('credit_type', 'text', (c) => c.notNull())
    .addColumn('seq', 'int8', (c) => c.notNull())
    .addColumn('transaction_id', 'text', (c) => c.notNull())
    .addColumn('entry_type', 'text', (c) =>
      c
        .notNull()
        .check(sql`entry_type in ('grant', 'burn', 'settle', 'hold', 'release', 'commit', 'expiry', 'void', 'refund', 'adjustment')`),
    )
    .addColumn('amount', 'int8', (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('balance_before', 'int8', (c) => c.notNull())
    .addColumn('balance_after', 'int8', (c) => c.notNull())
    .addColumn('held_after', 'int8', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('grant_remaining_before', 'int8')
    .addColumn('grant_remaining_after', 'int8')
    .addColumn('hold_id', 'text')
    .addColumn('initiator_account_id', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('feature', 'text')
    .addColumn('usage_event_id', 'text')
    .addColumn('idempotency_key', 'text')
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('prev_hash', 'bytea')
    .addColumn('hash', 'bytea', (c) => c.notNull())
    .addPrimaryKeyConstraint('ledger_entries_pk', ['account_id', 'id'])
    .addUniqueConstraint('ledger_entries_chain_uq', ['account_id', 'credit_type', 'seq'])
    .addForeignKeyConstraint('ledger_entries_balance_fk', ['account_id', 'credit_type'], 'balances', ['account_id', 'credit_type'])
    .execute();
  await db.schema.createIndex('ledger_entries_tx_idx').on('ledger_entries').columns(['account_id', 'transaction_id']).execute();
  await db.schema
    .createIndex('ledger_entries_time_idx')
    .on('ledger_entries')
    .columns(['account_id', 'credit_type', 'created_at', 'id'])
    .execute();
  await sql`create index ledger_entries_grant_idx on ledger_entries (account_id, grant_id, id) where grant_id is not null`.execute(db);
  await db.schema.createIndex('ledger_entries_txid_idx').on('ledger_entries').column('transaction_id').execute();

  // Append-only in the database itself, whoever connects: the trigger rejects
  // every UPDATE and DELETE (TRUNCATE too) on ledger entries.
  await sql`
    create function ledger_entries_reject_change() returns trigger language plpgsql as $$
    begin
      raise exception 'ledger_entries is append-only: % is not allowed; write a compensating entry instead', tg_op
        using errcode = 'P0001', hint = 'corrections are new entries (refund, adjustment, void)';
    end $$`.execute(db);
  await sql`create trigger ledger_entries_append_only before update or delete on ledger_entries
    for each row execute function ledger_entries_reject_change()`.execute(db);
  await sql`create trigger ledger_entries_no_truncate before truncate on ledger_entries
    for each statement execute function ledger_entries_reject_change()`.execute(db);

  // HTTP Idempotency-Key records, scoped per API key.
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('api_key_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer', (c) => c.notNull())
    // The exact bytes of the first response, so a replay is byte-identical.
    .addColumn('response_body', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['api_key_id', 'key'])
    .execute();
  await db.schema.createIndex('idempotency_keys_expiry_idx').on('idempotency_keys').column('expires_at').execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'bytea', (c) => c.notNull())
    .addColumn('scopes', sql`text[]`, (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.references('accounts.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'api_keys',
    'idempotency_keys',
    'ledger_entries',
    'ledger_transactions',
    'hold_allocations',
    'holds',
    'grants',
    'balances',
    'accounts',
    'credit_types',
  ]) {
    await db.schema.dropTable(table).ifExists().cascade().execute();
  }
  await sql`drop function if exists ledger_entries_reject_change()`.execute(db);
}
