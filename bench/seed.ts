import { sql } from 'kysely';
import type { Database } from '../src/db/database.js';

const FILLER_ACCOUNTS = 1000;
const BATCH = 500_000;

/**
 * Adds `count` filler ledger entries spread over 1,000 filler accounts, in
 * batches of INSERT … SELECT generate_series, so balance reads can be measured
 * with millions of entries present. Filler rows are shaped like real entries
 * (same indexes are maintained) but carry placeholder hashes: this database
 * is for benchmarks only.
 */
export async function seedLedgerEntries(db: Database, count: number, log: (s: string) => void): Promise<void> {
  if (count <= 0) return;
  await sql`insert into accounts (id, name) select 'filler-' || g, 'filler' from generate_series(0, ${FILLER_ACCOUNTS - 1}) g on conflict do nothing`.execute(
    db,
  );
  await sql`insert into balances (account_id, credit_type) select 'filler-' || g, 'ai' from generate_series(0, ${FILLER_ACCOUNTS - 1}) g on conflict do nothing`.execute(
    db,
  );
  for (let done = 0; done < count;) {
    const n = Math.min(BATCH, count - done);
    const start = Number(
      (
        await sql<{
          next: string;
        }>`select (coalesce(max(seq), 0) + 1)::text as next from ledger_entries where account_id like 'filler-%'`.execute(db)
      ).rows[0]!.next,
    );
    await sql`
      insert into ledger_entries (account_id, credit_type, seq, transaction_id, entry_type, amount, balance_before, balance_after,
        held_after, initiator_account_id, actor, metadata, created_at, hash, feature)
      select 'filler-' || (g % ${FILLER_ACCOUNTS}), 'ai', ${start} + g, 'txn_filler_' || g, 'burn', 100, 0, 0, 0,
        'filler-' || (g % ${FILLER_ACCOUNTS}), 'bench', '{}', now() - (g || ' ms')::interval, '\\x00'::bytea, 'filler'
      from generate_series(0, ${n - 1}) g`.execute(db);
    done += n;
    log(`  seeded ${done.toLocaleString()} / ${count.toLocaleString()} entries`);
  }
  await sql`analyze ledger_entries`.execute(db);
}
