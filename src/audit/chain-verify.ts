import type { Database } from '../db/database.js';
import { verifyChain } from '../ledger/index.js';

export interface ChainVerification {
  accountId: string;
  creditType: string;
  entries: string;
  ok: boolean;
  /** The first entry whose hash, link or sequence does not match, with why. */
  firstBroken: { entryId: string | null; detail: string } | null;
}

/**
 * Verifies the hash chains of an account (R-A3), one per credit type, with
 * the ledger's own verifyChain (keyset pages of 5000 entries: memory stays
 * flat however long the chain). Names the first broken entry.
 */
export async function verifyAccountChains(db: Database, accountId: string, creditType?: string): Promise<ChainVerification[]> {
  let query = db.selectFrom('balances').select(['credit_type', 'entry_seq']).where('account_id', '=', accountId);
  if (creditType) query = query.where('credit_type', '=', creditType);
  const chains = await query.orderBy('credit_type').execute();
  const results: ChainVerification[] = [];
  for (const chain of chains) {
    const broken = await verifyChain(db, accountId, chain.credit_type);
    results.push({
      accountId,
      creditType: chain.credit_type,
      entries: chain.entry_seq.toString(),
      ok: broken === null,
      firstBroken: broken === null ? null : { entryId: /^entry (\d+)/.exec(broken)?.[1] ?? null, detail: broken },
    });
  }
  return results;
}
