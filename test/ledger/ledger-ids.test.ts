import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useLedgerFixture } from '../helpers/ledger.js';

/**
 * Ledger ids (ledger_new_id): prefixed UUIDv7 layout, time-ordered, with
 * random bits where UUIDv7 puts them, so an id says nothing about the ids
 * made before it and cannot be guessed from its neighbours.
 */
const f = useLedgerFixture();

/** [ms, rand_a, rand_b] of `pfx_<32 hex>`, as bigints. */
function fields(id: string): { ms: bigint; version: number; randA: bigint; variant: number; randB: bigint } {
  const hex = id.slice(id.indexOf('_') + 1);
  expect(hex).toMatch(/^[0-9a-f]{32}$/);
  const value = BigInt(`0x${hex}`);
  return {
    ms: value >> 80n,
    version: Number((value >> 76n) & 0xfn),
    randA: (value >> 64n) & 0xfffn,
    variant: Number((value >> 62n) & 0x3n),
    randB: value & ((1n << 62n) - 1n),
  };
}

const isSorted = (ids: string[]) => ids.every((id, i) => i === 0 || ids[i - 1]! < id);

describe('ledger ids', () => {
  it('made in one transaction: sort in creation order, and their random parts are random', async () => {
    const ids = await f.deps.db.transaction().execute(async (tx) => {
      const made: string[] = [];
      for (let i = 0; i < 20; i++) {
        const { rows } = await sql<{ id: string }>`select ledger_new_id('txn') as id from generate_series(1, 50)`.execute(tx);
        made.push(...rows.map((r) => r.id));
      }
      return made;
    });
    expect(ids).toHaveLength(1000);
    expect(isSorted(ids), 'creation order').toBe(true);
    const parts = ids.map(fields);
    for (const p of parts) expect([p.version, p.variant]).toEqual([7, 2]);
    // No two ids share their random bits, and those bits do not follow creation order (a counter would).
    const random = parts.map((p) => p.randB & ((1n << 48n) - 1n));
    expect(new Set(random).size).toBe(ids.length);
    const increases = random.filter((r, i) => i > 0 && r > random[i - 1]!).length;
    expect(increases).toBeGreaterThan(300);
    expect(increases).toBeLessThan(700);
  });

  it('made one transaction after the other: still sort in creation order', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const { rows } = await sql<{ id: string }>`select ledger_new_id('grt') as id`.execute(f.deps.db);
      ids.push(rows[0]!.id);
    }
    expect(isSorted(ids)).toBe(true);
  });
});
