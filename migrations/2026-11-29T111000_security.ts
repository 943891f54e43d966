import { sql, type Kysely } from 'kysely';

/**
 * Security hardening (issue 14): API keys that expire and roll; the audit log
 * that erasure may scrub (only the before/after documents, only inside an
 * erasure); replay protection of inbound HubSpot webhooks; ledger anchors
 * (chain heads under an HMAC whose key is not in the database); the key that
 * requested an approval.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('api_keys')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('previous_secret_hash', 'bytea')
    .addColumn('previous_expires_at', 'timestamptz')
    .addColumn('created_by', 'text')
    .addColumn('revoked_by', 'text')
    .execute();

  await sql`
    create or replace function audit_log_reject_change() returns trigger language plpgsql as $$
    begin
      -- GDPR erasure scrubs personal data from before/after; nothing else ever changes.
      if tg_op = 'UPDATE' and current_setting('burndown.erasure', true) = 'on'
         and (new.id, new.occurred_at, new.actor, new.action, new.target_type, new.target_id)
             = (old.id, old.occurred_at, old.actor, old.action, old.target_type, old.target_id)
         and new.account_id is not distinct from old.account_id
         and new.source_ip is not distinct from old.source_ip
         and new.request_id is not distinct from old.request_id
         and new.reason is not distinct from old.reason then
        return new;
      end if;
      raise exception 'audit_log is append-only (% rejected)', tg_op using errcode = '42501';
    end $$`.execute(db);

  await db.schema
    .createTable('crm_inbound_deliveries')
    .addColumn('signature_digest', 'text', (c) => c.primaryKey())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('crm_inbound_deliveries_time_idx').on('crm_inbound_deliveries').column('received_at').execute();

  await db.schema
    .createTable('ledger_anchors')
    .addColumn('id', 'int8', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('anchored_at', 'timestamptz', (c) => c.notNull())
    .addColumn('heads', 'integer', (c) => c.notNull())
    .addColumn('prev_mac', 'bytea')
    .addColumn('mac', 'bytea', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('ledger_anchor_heads')
    .addColumn('anchor_id', 'int8', (c) => c.notNull().references('ledger_anchors.id'))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('credit_type', 'text', (c) => c.notNull())
    .addColumn('seq', 'int8', (c) => c.notNull())
    .addColumn('hash', 'bytea', (c) => c.notNull())
    .addColumn('mac', 'bytea', (c) => c.notNull())
    .addPrimaryKeyConstraint('ledger_anchor_heads_pk', ['anchor_id', 'account_id', 'credit_type'])
    .execute();
  await db.schema
    .createIndex('ledger_anchor_heads_chain_idx')
    .on('ledger_anchor_heads')
    .columns(['account_id', 'credit_type', 'anchor_id'])
    .execute();

  await db.schema.alterTable('grant_approvals').addColumn('requested_by_key', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('grant_approvals').dropColumn('requested_by_key').execute();
  await db.schema.dropTable('ledger_anchor_heads').execute();
  await db.schema.dropTable('ledger_anchors').execute();
  await db.schema.dropTable('crm_inbound_deliveries').execute();
  await sql`
    create or replace function audit_log_reject_change() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only (% rejected)', tg_op using errcode = '42501';
    end $$`.execute(db);
  await db.schema
    .alterTable('api_keys')
    .dropColumn('expires_at')
    .dropColumn('previous_secret_hash')
    .dropColumn('previous_expires_at')
    .dropColumn('created_by')
    .dropColumn('revoked_by')
    .execute();
}
