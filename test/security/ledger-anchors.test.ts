import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { anchorKeyOf } from '../../src/auth/secret-box.js';
import { verifyAccountChains, verifyAnchorLog } from '../../src/audit/chain-verify.js';
import { writeLedgerAnchor } from '../../src/audit/ledger-anchors.js';
import { LEDGER_ANCHOR_SCHEDULE_ID, ledgerAnchorSchedule } from '../../src/audit/module.js';
import { ensureSchedule } from '../../src/runtime/schedules.js';
import { deduct, issueGrant } from '../../src/ledger/index.js';
import { call, useApi } from '../helpers/api.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { recordHistory, useTemporalWorker } from '../helpers/temporal.js';

const f = useLedgerFixture();
const api = useApi(f);
// The API (no LEDGER_ANCHOR_KEY in its test config) and the worker use the same development key.
const anchorKey = anchorKeyOf({});
const retention = { usagePropertiesDays: 400, eventsDays: 90, auditIpDays: 180 };
const t = useTemporalWorker(() => ({ ledger: f.deps, audit: { db: f.deps.db, clock: f.deps.clock, anchorKey, retention } }));

async function fundedChain() {
  const a = await newAccount(f.deps);
  await issueGrant(f.deps, { accountId: a, creditType: 'ai', amount: '100', source: 'purchase' }, actor);
  for (const amount of ['1', '2', '3']) await deduct(f.deps, { accountId: a, creditType: 'ai', amount }, actor);
  return a;
}

async function anchorByWorkflow(id: string) {
  const handle = await t.client.workflow.start('ledgerAnchorWorkflow', { taskQueue: t.taskQueue, workflowId: id, args: [] });
  const result = await handle.result();
  return { handle, result };
}

/**
 * What a database superuser can do: change an entry behind the append-only
 * trigger and recompute every hash after it (and the chain head in the
 * balance row), so the plain chain check passes again. Run with the original
 * amount to undo it (the hashes are deterministic).
 */
async function rewriteEntry(accountId: string, seq: bigint, amount: bigint) {
  await f.deps.db.connection().execute(async (conn) => {
    await sql`alter table ledger_entries disable trigger ledger_entries_append_only`.execute(conn);
    try {
      await sql`update ledger_entries set amount = ${amount} where account_id = ${accountId} and credit_type = 'ai' and seq = ${seq}`.execute(
        conn,
      );
      const rows = await sql<{ seq: bigint }>`
        select seq from ledger_entries where account_id = ${accountId} and credit_type = 'ai' and seq >= ${seq} order by seq`.execute(conn);
      for (const row of rows.rows) {
        await sql`
          update ledger_entries e set
            prev_hash = (select p.hash from ledger_entries p where p.account_id = e.account_id and p.credit_type = e.credit_type and p.seq = e.seq - 1),
            hash = ledger_entry_hash((select p.hash from ledger_entries p where p.account_id = e.account_id and p.credit_type = e.credit_type and p.seq = e.seq - 1), e)
          where e.account_id = ${accountId} and e.credit_type = 'ai' and e.seq = ${row.seq}`.execute(conn);
      }
      await sql`
        update balances b set last_hash = (select e.hash from ledger_entries e where e.account_id = b.account_id and e.credit_type = b.credit_type and e.seq = b.entry_seq)
        where b.account_id = ${accountId} and b.credit_type = 'ai'`.execute(conn);
    } finally {
      await sql`alter table ledger_entries enable trigger ledger_entries_append_only`.execute(conn);
    }
  });
}

describe('ledger anchors (issue 14, finding 13; real PostgreSQL and Temporal)', () => {
  it('the Schedule’s workflow anchors the chain heads under an HMAC', async () => {
    const a = await fundedChain();
    const { handle, result } = await anchorByWorkflow(`anchor-${a}`);
    expect(result.heads).toBeGreaterThanOrEqual(1);
    const head = await f.deps.db
      .selectFrom('ledger_anchor_heads')
      .selectAll()
      .where('anchor_id', '=', BigInt(result.anchorId))
      .where('account_id', '=', a)
      .executeTakeFirstOrThrow();
    const balance = await f.deps.db.selectFrom('balances').selectAll().where('account_id', '=', a).executeTakeFirstOrThrow();
    expect(head).toMatchObject({ credit_type: 'ai', seq: 4n, hash: balance.last_hash });
    expect(head.mac).toHaveLength(32);
    await recordHistory(handle, 'ledger-anchor');

    // Nothing changed since: the next anchor records no head of this chain.
    const again = await anchorByWorkflow(`anchor-${a}-again`);
    const repeated = await f.deps.db
      .selectFrom('ledger_anchor_heads')
      .select('seq')
      .where('anchor_id', '=', BigInt(again.result.anchorId))
      .where('account_id', '=', a)
      .execute();
    expect(repeated).toEqual([]);
    expect(await verifyAnchorLog(f.deps.db, anchorKey)).toMatchObject({ checked: expect.any(Number), firstFailed: null });
    const [chain] = await verifyAccountChains(f.deps.db, anchorKey, a);
    expect(chain).toMatchObject({ ok: true, firstBroken: null, anchors: { checked: 1, firstFailed: null } });
  });

  it('a rewritten entry with the chain recomputed after it passes the plain chain check but not the anchors', async () => {
    const a = await fundedChain();
    await anchorByWorkflow(`anchor-${a}`);
    const victim = await f.deps.db
      .selectFrom('ledger_entries')
      .select(['id', 'amount'])
      .where('account_id', '=', a)
      .where('seq', '=', 3n)
      .executeTakeFirstOrThrow();
    await rewriteEntry(a, 3n, 1n);
    try {
      const verified = await call(api, 'GET', `/v1/accounts/${a}/ledger/verify`);
      expect(verified.status).toBe(200);
      expect(verified.body).toMatchObject({ ok: false, chains: [{ creditType: 'ai', ok: false, firstBroken: null }] });
      expect(verified.body!.chains[0].anchors.firstFailed.detail).toMatch(/\(seq 4\) .*rewritten/);
      const [chain] = await verifyAccountChains(f.deps.db, anchorKey, a);
      expect(chain).toMatchObject({
        ok: false,
        firstBroken: null,
        anchors: { firstFailed: { detail: expect.stringMatching(/rewritten/) } },
      });
    } finally {
      await rewriteEntry(a, 3n, victim.amount);
    }
    expect((await verifyAccountChains(f.deps.db, anchorKey, a))[0]).toMatchObject({ ok: true, anchors: { firstFailed: null } });
  });

  it('reports an anchor written under another key', async () => {
    const a = await fundedChain();
    const otherKey = createHash('sha256').update('not the anchor key').digest();
    const forged = await writeLedgerAnchor(f.deps.db, otherKey, f.deps.clock());
    const verified = await call(api, 'GET', `/v1/accounts/${a}/ledger/verify`);
    expect(verified.body).toMatchObject({
      ok: false,
      chains: [{ ok: false, firstBroken: null, anchors: { firstFailed: { anchorId: String(forged.anchorId) } } }],
    });
    expect(verified.body!.chains[0].anchors.firstFailed.detail).toMatch(/HMAC/);
    const log = await verifyAnchorLog(f.deps.db, anchorKey);
    expect(log.firstFailed).toMatchObject({ anchorId: String(forged.anchorId), detail: expect.stringMatching(/HMAC/) });
    // Under the key that wrote it, the same anchor is valid: the check is the key, not the shape.
    expect((await verifyAccountChains(f.deps.db, otherKey, a))[0]!.anchors.firstFailed).toBeNull();
  });

  it('is started by a Temporal Schedule every LEDGER_ANCHOR_INTERVAL_SECONDS', async () => {
    // The Temporal server is shared by every test file, and a running stack's worker (useRunningStack) creates
    // the same Schedule with its default interval: under a name of this file's own, that one is never described here.
    const spec = ledgerAnchorSchedule(600);
    expect(spec.scheduleId).toBe(LEDGER_ANCHOR_SCHEDULE_ID);
    const scheduleId = `${LEDGER_ANCHOR_SCHEDULE_ID}-${t.taskQueue}`;
    await ensureSchedule(t.client, t.taskQueue, { ...spec, scheduleId });
    const schedule = t.client.schedule.getHandle(scheduleId);
    try {
      const description = await schedule.describe();
      expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'ledgerAnchorWorkflow' });
      expect(description.spec.intervals?.[0]?.every).toBe(600_000);
    } finally {
      await schedule.delete();
    }
  });
});
