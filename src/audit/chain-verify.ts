import type { Database } from '../db/database.js';
import { verifyChain } from '../ledger/index.js';
import { verifyChainAnchors, type AnchorCheck } from './ledger-anchors.js';

export { verifyAnchorLog } from './ledger-anchors.js';

export interface ChainVerification {
  accountId: string;
  creditType: string;
  entries: string;
  /** The chain links and every anchor of it holds. */
  ok: boolean;
  /** The first entry whose hash, link or sequence does not match, with why. */
  firstBroken: { entryId: string | null; detail: string } | null;
  /** The chain's anchored heads (LEDGER_ANCHOR_KEY): a chain rewritten with recomputed hashes passes the links but fails here. */
  anchors: AnchorCheck;
}

/**
 * Verifies the hash chains of an account (R-A3), one per credit type, with
 * the ledger's own verifyChain (keyset pages of 5000 entries: memory stays
 * flat however long the chain), then against its anchors (issue 14, finding
 * 13). Names the first broken entry and the first anchor that does not hold.
 */
export async function verifyAccountChains(
  db: Database,
  anchorKey: Buffer,
  accountId: string,
  creditType?: string,
): Promise<ChainVerification[]> {
  let query = db.selectFrom('balances').select(['credit_type', 'entry_seq']).where('account_id', '=', accountId);
  if (creditType) query = query.where('credit_type', '=', creditType);
  const chains = await query.orderBy('credit_type').execute();
  const results: ChainVerification[] = [];
  for (const chain of chains) {
    const broken = await verifyChain(db, accountId, chain.credit_type);
    const anchors = await verifyChainAnchors(db, anchorKey, accountId, chain.credit_type);
    results.push({
      accountId,
      creditType: chain.credit_type,
      entries: chain.entry_seq.toString(),
      ok: broken === null && anchors.firstFailed === null,
      firstBroken: broken === null ? null : { entryId: /^entry (\d+)/.exec(broken)?.[1] ?? null, detail: broken },
      anchors,
    });
  }
  return results;
}
