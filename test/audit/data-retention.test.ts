import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { writeAudit } from '../../src/audit/audit-log.js';
import { DATA_RETENTION_SCHEDULE_ID, dataRetentionSchedule } from '../../src/audit/module.js';
import { anchorKeyOf } from '../../src/auth/secret-box.js';
import { deduct } from '../../src/ledger/index.js';
import { ensureSchedule } from '../../src/runtime/schedules.js';
import { dataRetentionWorkflow } from '../../workflows/audit/data-retention.js';
import { actor, fundedAccount, useLedgerFixture } from '../helpers/ledger.js';
import { recordHistory, useTemporalWorker } from '../helpers/temporal.js';

const f = useLedgerFixture();
const retention = { usagePropertiesDays: 10, eventsDays: 10, auditIpDays: 10 };
const t = useTemporalWorker(() => ({
  ledger: f.deps,
  audit: { db: f.deps.db, clock: f.deps.clock, anchorKey: anchorKeyOf({}), retention },
}));

const DAY = 86_400_000;
const id = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;

async function usageEvent(accountId: string, ageDays: number, status: string) {
  const eventId = id('evt');
  const received = new Date(f.clock.now().getTime() - ageDays * DAY);
  await f.deps.db
    .insertInto('usage_events')
    .values({
      id: eventId,
      account_id: accountId,
      feature: 'chat',
      quantity: '3',
      properties: JSON.stringify({ prompt: 'personal text', user: 'ana@example.com' }),
      event_time: received,
      received_at: received,
      status: status as 'burned',
    })
    .execute();
  return eventId;
}

async function outboxEvent(accountId: string, ageDays: number) {
  const eventId = id('ev');
  const { seq } = await f.deps.db
    .insertInto('outbox_events')
    .values({
      id: eventId,
      account_id: accountId,
      type: 'test.retention',
      payload: JSON.stringify({ amount: '1' }),
      occurred_at: new Date(f.clock.now().getTime() - ageDays * DAY),
    })
    .returning('seq')
    .executeTakeFirstOrThrow();
  return { eventId, seq };
}

/** An account's ledger entries as their count and hashes: equal means untouched. */
async function ledgerOf(accountId: string) {
  const { rows } = await sql<{ n: string; hashes: string }>`
    select count(*)::text as n, string_agg(encode(hash, 'hex'), '' order by id) as hashes from ledger_entries where account_id = ${accountId}`.execute(
    f.deps.db,
  );
  return rows[0];
}

async function run() {
  const handle = await t.client.workflow.start(dataRetentionWorkflow, { taskQueue: t.taskQueue, workflowId: id('retention') });
  return { handle, result: await handle.result() };
}

describe('data retention (R-A4)', () => {
  it('removes what the windows allow and keeps the ledger, the chain and everything newer', async () => {
    const accountId = await fundedAccount(f.deps, '100');
    await deduct(f.deps, { accountId, creditType: 'ai', amount: '5' }, actor);
    const ledgerBefore = await ledgerOf(accountId);

    const oldBurned = await usageEvent(accountId, 11, 'burned');
    const oldPending = await usageEvent(accountId, 11, 'pending');
    const fresh = await usageEvent(accountId, 1, 'burned');

    const keyId = id('key');
    const idempotency = (key: string, expiresAt: Date) =>
      f.deps.db
        .insertInto('idempotency_keys')
        .values({
          api_key_id: keyId,
          key,
          method: 'POST',
          path: '/v1/x',
          request_hash: 'h',
          status_code: 201,
          response_body: '{}',
          expires_at: expiresAt,
        })
        .execute();
    await idempotency('expired', new Date(f.clock.now().getTime() - 1000));
    await idempotency('live', new Date(f.clock.now().getTime() + DAY));

    const endpoint = id('we');
    await f.deps.db
      .insertInto('webhook_endpoints')
      .values({
        id: endpoint,
        account_id: accountId,
        url: 'https://hooks.example.com/x',
        event_types: ['*'],
        secret: 'x',
        created_by: 'test',
      })
      .execute();
    const delivery = (event: { eventId: string; seq: bigint }, status: 'succeeded' | 'pending') =>
      f.deps.db
        .insertInto('webhook_deliveries')
        .values({ id: id('wd'), endpoint_id: endpoint, event_id: event.eventId, event_seq: event.seq, account_id: accountId, status })
        .execute();
    const oldDelivered = await outboxEvent(accountId, 11);
    await delivery(oldDelivered, 'succeeded');
    const oldWaiting = await outboxEvent(accountId, 11);
    await delivery(oldWaiting, 'pending');
    const oldUnrelayed = await outboxEvent(accountId, 11);
    const freshEvent = await outboxEvent(accountId, 1);
    // The relay has passed everything but the last old event.
    await sql`insert into outbox_relay_state (name, cursor_seq) values ('test', ${oldUnrelayed.seq - 1n})
              on conflict (name) do update set cursor_seq = excluded.cursor_seq`.execute(f.deps.db);

    const audit = async (ageDays: number) => {
      const target = id('tgt');
      await writeAudit(f.deps.db, {
        actor: 'sam@example.com',
        sourceIp: '203.0.113.7',
        action: 'grant.issue',
        targetType: 'grant',
        targetId: target,
        accountId,
        reason: 'outage',
        after: { amount: '1' },
        occurredAt: new Date(f.clock.now().getTime() - ageDays * DAY),
      });
      return target;
    };
    const oldAudit = await audit(11);
    const freshAudit = await audit(1);

    const { handle, result } = await run();
    expect(result).toMatchObject({ complete: true, usageEventProperties: 1, outboxEvents: 1, webhookDeliveries: 1, auditSourceIps: 1 });
    expect(result.idempotencyRecords).toBeGreaterThanOrEqual(1);
    await recordHistory(handle, 'data-retention');

    const properties = async (eventId: string) =>
      await f.deps.db
        .selectFrom('usage_events')
        .select(['properties', 'feature', 'quantity'])
        .where('id', '=', eventId)
        .executeTakeFirstOrThrow();
    expect(await properties(oldBurned)).toEqual({ properties: {}, feature: 'chat', quantity: '3' });
    expect((await properties(oldPending)).properties).toMatchObject({ prompt: 'personal text' });
    expect((await properties(fresh)).properties).toMatchObject({ prompt: 'personal text' });

    const keys = await f.deps.db.selectFrom('idempotency_keys').select('key').where('api_key_id', '=', keyId).execute();
    expect(keys.map((k) => k.key)).toEqual(['live']);

    const events = await f.deps.db
      .selectFrom('outbox_events')
      .select('id')
      .where('account_id', '=', accountId)
      .where('type', '=', 'test.retention')
      .execute();
    expect(new Set(events.map((e) => e.id))).toEqual(new Set([oldWaiting.eventId, oldUnrelayed.eventId, freshEvent.eventId]));
    const deliveries = await f.deps.db.selectFrom('webhook_deliveries').select('event_id').where('endpoint_id', '=', endpoint).execute();
    expect(deliveries.map((d) => d.event_id)).toEqual([oldWaiting.eventId]);

    const ips = await f.deps.db
      .selectFrom('audit_log')
      .select(['target_id', 'source_ip', 'actor', 'reason'])
      .where('target_id', 'in', [oldAudit, freshAudit])
      .execute();
    expect(ips.find((r) => r.target_id === oldAudit)).toEqual({
      target_id: oldAudit,
      source_ip: null,
      actor: 'sam@example.com',
      reason: 'outage',
    });
    expect(ips.find((r) => r.target_id === freshAudit)?.source_ip).toBe('203.0.113.7');

    // The ledger is as it was, hash for hash.
    const ledgerAfter = await ledgerOf(accountId);
    expect(ledgerAfter).toEqual(ledgerBefore);

    // A second run finds nothing more.
    expect((await run()).result).toEqual({
      usageEventProperties: 0,
      idempotencyRecords: 0,
      outboxEvents: 0,
      webhookDeliveries: 0,
      auditSourceIps: 0,
      complete: true,
    });
  });

  it('the audit log still refuses every other change, also under the retention setting', async () => {
    const target = id('tgt');
    await writeAudit(f.deps.db, {
      actor: 'a@example.com',
      sourceIp: '203.0.113.8',
      action: 'x.y',
      targetType: 't',
      targetId: target,
      occurredAt: f.clock.now(),
    });
    const underRetention = (change: ReturnType<typeof sql>) =>
      f.deps.db.transaction().execute(async (tx) => {
        await sql`select set_config('burndown.retention', 'on', true)`.execute(tx);
        await change.execute(tx);
      });
    await expect(
      underRetention(sql`update audit_log set actor = 'someone else', source_ip = null where target_id = ${target}`),
    ).rejects.toThrow(/append-only/);
    await expect(underRetention(sql`update audit_log set source_ip = '198.51.100.1' where target_id = ${target}`)).rejects.toThrow(
      /append-only/,
    );
    await expect(underRetention(sql`delete from audit_log where target_id = ${target}`)).rejects.toThrow(/append-only/);
    // Without the setting, not even the source IP.
    await expect(sql`update audit_log set source_ip = null where target_id = ${target}`.execute(f.deps.db)).rejects.toThrow(/append-only/);
  });

  it('is started by a Temporal Schedule on DATA_RETENTION_CRON', async () => {
    // The Temporal server is shared by every test file, and a running stack's worker creates the same Schedule:
    // under an id of this file's own, this test never describes (or deletes) that one.
    const spec = dataRetentionSchedule('45 3 * * *');
    expect(spec.scheduleId).toBe(DATA_RETENTION_SCHEDULE_ID);
    const scheduleId = `${DATA_RETENTION_SCHEDULE_ID}-${t.taskQueue}`;
    await ensureSchedule(t.client, t.taskQueue, { ...spec, scheduleId });
    const schedule = t.client.schedule.getHandle(scheduleId);
    try {
      const description = await schedule.describe();
      expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'dataRetentionWorkflow' });
      expect(description.spec.calendars?.length ?? 0).toBeGreaterThan(0);
    } finally {
      await schedule.delete();
    }
  });
});
