import { createHmac, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../db/database.js';

/**
 * Ledger anchors (issue 14, finding 13). The hash chain is plain SHA-256, so
 * a database superuser who rewrites an entry can recompute every hash after
 * it. An anchor records chain heads (per account and credit type: seq and
 * hash) under an HMAC whose key (LEDGER_ANCHOR_KEY) is never in the
 * database: a rewritten chain no longer passes through its anchored heads,
 * and new anchors cannot be forged without the key.
 *
 * Each anchor holds only the heads that moved since the chain's previous
 * anchored head (a quiet chain costs nothing per run). Each head has its own
 * MAC (bound to its anchor), so one account's chains are checked without
 * reading other accounts' heads; the anchor's MAC covers its head count and
 * the previous anchor's MAC, so a deleted head or a deleted anchor shows in
 * the anchor log (verifyAnchorLog).
 */

const HEAD_PAGE = 1000;
/** pg_advisory_xact_lock key: anchors are written one at a time, so prev_mac links form one line. */
const ANCHOR_LOCK = 0x6c65_6467_6572_61n;

const mac = (key: Buffer, fields: readonly (string | number | null)[]) => createHmac('sha256', key).update(JSON.stringify(fields)).digest();

export function anchorMac(key: Buffer, a: { id: bigint; anchoredAt: Date; heads: number; prevMac: Buffer | null }): Buffer {
  return mac(key, ['burndown ledger anchor v1', a.id.toString(), a.anchoredAt.toISOString(), a.heads, a.prevMac?.toString('hex') ?? null]);
}

export function headMac(key: Buffer, h: { anchorId: bigint; accountId: string; creditType: string; seq: bigint; hash: Buffer }): Buffer {
  return mac(key, [
    'burndown ledger anchor head v1',
    h.anchorId.toString(),
    h.accountId,
    h.creditType,
    h.seq.toString(),
    h.hash.toString('hex'),
  ]);
}

const macMatches = (expected: Buffer, stored: Buffer) => expected.length === stored.length && timingSafeEqual(expected, stored);

/** Records, in one transaction, the heads of every chain that moved since its last anchor. */
export async function writeLedgerAnchor(db: Database, key: Buffer, now: Date): Promise<{ anchorId: string; heads: number }> {
  return db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(${ANCHOR_LOCK})`.execute(tx);
    const previous = await tx.selectFrom('ledger_anchors').select('mac').orderBy('id', 'desc').limit(1).executeTakeFirst();
    const prevMac = previous?.mac ?? null;
    const { id } = await tx
      .insertInto('ledger_anchors')
      .values({ anchored_at: now, heads: 0, prev_mac: prevMac, mac: Buffer.alloc(0) })
      .returning('id')
      .executeTakeFirstOrThrow();
    let heads = 0;
    for (let after: [string, string] = ['', '']; ;) {
      const moved = await sql<{ account_id: string; credit_type: string; entry_seq: bigint; last_hash: Buffer }>`
        select b.account_id, b.credit_type, b.entry_seq, b.last_hash from balances b
        where (b.account_id, b.credit_type) > (${after[0]}, ${after[1]}) and b.last_hash is not null
          and b.entry_seq > coalesce((select h.seq from ledger_anchor_heads h
                                      where h.account_id = b.account_id and h.credit_type = b.credit_type
                                      order by h.anchor_id desc limit 1), 0)
        order by b.account_id, b.credit_type limit ${HEAD_PAGE}`.execute(tx);
      if (moved.rows.length > 0) {
        await tx
          .insertInto('ledger_anchor_heads')
          .values(
            moved.rows.map((b) => ({
              anchor_id: id,
              account_id: b.account_id,
              credit_type: b.credit_type,
              seq: b.entry_seq,
              hash: b.last_hash,
              mac: headMac(key, { anchorId: id, accountId: b.account_id, creditType: b.credit_type, seq: b.entry_seq, hash: b.last_hash }),
            })),
          )
          .execute();
        heads += moved.rows.length;
        const last = moved.rows[moved.rows.length - 1]!;
        after = [last.account_id, last.credit_type];
      }
      if (moved.rows.length < HEAD_PAGE) break;
    }
    await tx
      .updateTable('ledger_anchors')
      .set({ heads, mac: anchorMac(key, { id, anchoredAt: now, heads, prevMac }) })
      .where('id', '=', id)
      .execute();
    return { anchorId: id.toString(), heads };
  });
}

export interface AnchorCheck {
  /** How many anchored heads (chain check) or anchors (log check) were checked. */
  checked: number;
  /** The first anchor that does not hold, with why. */
  firstFailed: { anchorId: string; detail: string } | null;
}

/** Checks every anchored head of one chain: both MACs hold and the chain as it is now still has that hash at that seq. */
export async function verifyChainAnchors(db: Database, key: Buffer, accountId: string, creditType: string): Promise<AnchorCheck> {
  const rows = await db
    .selectFrom('ledger_anchor_heads as h')
    .innerJoin('ledger_anchors as a', 'a.id', 'h.anchor_id')
    .leftJoin('ledger_entries as e', (join) =>
      join.onRef('e.account_id', '=', 'h.account_id').onRef('e.credit_type', '=', 'h.credit_type').onRef('e.seq', '=', 'h.seq'),
    )
    .select([
      'h.anchor_id',
      'h.seq',
      'h.hash',
      'h.mac',
      'a.anchored_at',
      'a.heads',
      'a.prev_mac',
      'a.mac as anchor_mac',
      'e.id as entry_id',
      'e.hash as entry_hash',
    ])
    .where('h.account_id', '=', accountId)
    .where('h.credit_type', '=', creditType)
    .orderBy('h.anchor_id')
    .execute();
  for (const r of rows) {
    const fail = (detail: string): AnchorCheck => ({ checked: rows.length, firstFailed: { anchorId: r.anchor_id.toString(), detail } });
    const anchor = { id: r.anchor_id, anchoredAt: r.anchored_at, heads: r.heads, prevMac: r.prev_mac };
    if (!macMatches(anchorMac(key, anchor), r.anchor_mac))
      return fail(`anchor ${r.anchor_id}: its HMAC does not match (another key, or edited)`);
    const head = { anchorId: r.anchor_id, accountId, creditType, seq: r.seq, hash: r.hash };
    if (!macMatches(headMac(key, head), r.mac))
      return fail(`anchor ${r.anchor_id}: the HMAC of head seq ${r.seq} does not match (another key, or edited)`);
    if (r.entry_id === null || r.entry_hash === null)
      return fail(`anchor ${r.anchor_id}: seq ${r.seq} is missing from the chain (rewritten)`);
    if (!r.entry_hash.equals(r.hash)) {
      return fail(`anchor ${r.anchor_id}: entry ${r.entry_id} (seq ${r.seq}) does not have the anchored hash: the chain was rewritten`);
    }
  }
  return { checked: rows.length, firstFailed: null };
}

/**
 * Checks the whole anchor log: each anchor's MAC, its link to the anchor
 * before it (a deleted anchor breaks it) and its head count (a deleted head
 * changes it). The newest anchors can still be deleted unseen: compare the
 * newest anchored_at with LEDGER_ANCHOR_INTERVAL_SECONDS.
 */
export async function verifyAnchorLog(db: Database, key: Buffer): Promise<AnchorCheck & { newestAt: Date | null }> {
  let prevMac: Buffer | null = null;
  let checked = 0;
  let newestAt: Date | null = null;
  for (let after = 0n; ;) {
    const anchors = await db
      .selectFrom('ledger_anchors as a')
      .select((eb) => [
        'a.id',
        'a.anchored_at',
        'a.heads',
        'a.prev_mac',
        'a.mac',
        eb
          .selectFrom('ledger_anchor_heads as h')
          .select(eb.fn.countAll<string>().as('n'))
          .whereRef('h.anchor_id', '=', 'a.id')
          .as('counted'),
      ])
      .where('a.id', '>', after)
      .orderBy('a.id')
      .limit(HEAD_PAGE)
      .execute();
    for (const a of anchors) {
      const fail = (detail: string) => ({ checked, newestAt, firstFailed: { anchorId: a.id.toString(), detail } });
      if (!macMatches(anchorMac(key, { id: a.id, anchoredAt: a.anchored_at, heads: a.heads, prevMac: a.prev_mac }), a.mac)) {
        return fail(`anchor ${a.id}: its HMAC does not match (another key, or edited)`);
      }
      // A valid MAC binds prev_mac, so a mismatch here means an anchor between them was removed.
      if ((a.prev_mac === null) !== (prevMac === null) || (a.prev_mac && prevMac && !a.prev_mac.equals(prevMac))) {
        return fail(`anchor ${a.id}: does not follow the anchor before it (an anchor was removed)`);
      }
      if (Number(a.counted) !== a.heads) return fail(`anchor ${a.id}: ${a.counted} heads stored, ${a.heads} anchored (a head was removed)`);
      prevMac = a.mac;
      newestAt = a.anchored_at;
      checked++;
      after = a.id;
    }
    if (anchors.length < HEAD_PAGE) return { checked, newestAt, firstFailed: null };
  }
}
