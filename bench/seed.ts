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
  // Reads are measured on a settled table, as a production ledger of this size is: not while autovacuum's insert
  // threshold fires on the rows just loaded, nor while the checkpointer writes them out (the seeding connection
  // skips fsync, so all of it is still dirty).
  await sql`vacuum (analyze) ledger_entries`.execute(db);
  await sql`checkpoint`.execute(db);
}

/**
 * Web UI (issue 15): a year of usage for one account, `count` burn entries
 * spread evenly over the last 365 days across 5 features, in batches of
 * INSERT … SELECT (the usage-rollup trigger aggregates each batch), so the
 * usage analytics endpoint can be measured on a busy account inside a large
 * ledger. Placeholder hashes, like the filler: a benchmark database only.
 */
export async function seedUsageHistory(db: Database, accountId: string, count: number, log: (s: string) => void): Promise<void> {
  await sql`insert into accounts (id, name) values (${accountId}, 'usage history') on conflict do nothing`.execute(db);
  await sql`insert into balances (account_id, credit_type) values (${accountId}, 'ai') on conflict do nothing`.execute(db);
  const spacingMs = (365 * 86_400_000) / count;
  for (let done = 0; done < count;) {
    const n = Math.min(BATCH, count - done);
    await sql`
      insert into ledger_entries (account_id, credit_type, seq, transaction_id, entry_type, amount, balance_before, balance_after,
        held_after, initiator_account_id, actor, metadata, created_at, hash, feature)
      select ${accountId}, 'ai', ${done}::int8 + g + 1, 'txn_usage_' || (${done}::int8 + g), 'burn', 1 + (g % 250), 0, 0, 0,
        ${accountId}, 'bench', '{}', now() - make_interval(secs => (${done}::int8 + g) * ${spacingMs}::float8 / 1000), '\\x00'::bytea,
        (array['chat', 'image', 'embeddings', 'search', 'voice'])[1 + (g % 5)]
      from generate_series(0, ${n - 1}) g`.execute(db);
    done += n;
    log(`  usage history: ${done.toLocaleString()} / ${count.toLocaleString()} entries`);
  }
  await sql`analyze usage_rollups`.execute(db);
}
