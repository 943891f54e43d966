/**
 * How much the tamper-evident hash chain costs per ledger entry (R-A3) on the
 * TypeScript side: hashing an entry with entryHash (the writer is SQL,
 * ledger_entry_hash, which computes the same bytes) and verifying a chain as
 * verifyChain does (recompute + compare), in-process, no database.
 *   npx tsx bench/ledger-hash.ts [entries]
 */
import { performance } from 'node:perf_hooks';
import { canonicalJson, entryHash, type HashedEntryFields } from '../src/ledger/index.js';

const count = Number(process.argv[2] ?? 200_000);
const entries: HashedEntryFields[] = [];
for (let i = 1; i <= count; i++) {
  entries.push({
    account_id: 'acct_bench',
    credit_type: 'ai',
    seq: BigInt(i),
    transaction_id: `tx_${i.toString(36).padStart(12, '0')}`,
    entry_type: 'burn',
    amount: 150n,
    balance_before: 10_000_000n - BigInt(i - 1) * 150n,
    balance_after: 10_000_000n - BigInt(i) * 150n,
    held_after: 0n,
    grant_id: 'grant_0123456789abcdef',
    grant_remaining_before: 10_000_000n - BigInt(i - 1) * 150n,
    grant_remaining_after: 10_000_000n - BigInt(i) * 150n,
    hold_id: null,
    initiator_account_id: 'acct_bench',
    actor: 'svc:chat',
    reason: null,
    feature: 'chat',
    usage_event_id: `ue_${i}`,
    idempotency_key: `key-${i}`,
    metadata: canonicalJson({ model: 'm1', region: 'eu' }),
    created_at: new Date(1_767_225_600_000 + i * 1000),
  });
}

let start = performance.now();
const hashes: Buffer[] = [];
let prev: Buffer | null = null;
for (const e of entries) {
  prev = entryHash(prev, e);
  hashes.push(prev);
}
const hashMs = performance.now() - start;

start = performance.now();
prev = null;
let broken = 0;
for (let i = 0; i < entries.length; i++) {
  const recomputed = entryHash(prev, entries[i]!);
  if (!recomputed.equals(hashes[i]!)) broken++;
  prev = hashes[i]!;
}
const verifyMs = performance.now() - start;

const perEntry = (ms: number) =>
  `${((ms * 1000) / count).toFixed(2)} µs/entry, ${Math.round(count / (ms / 1000)).toLocaleString('en')} entries/s`;
console.log(`entries: ${count.toLocaleString('en')}`);
console.log(`hash (write path):   ${perEntry(hashMs)}`);
console.log(`verify (read path):  ${perEntry(verifyMs)}${broken ? ` — ${broken} mismatches!` : ''}`);
