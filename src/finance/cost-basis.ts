import { divideRounded } from '../money/amount.js';

/**
 * Spreads one grant's cost basis over the credits that leave it (R-I3), FIFO
 * in the order the ledger wrote them.
 *
 * A move of x credits is worth cost_basis × x / granted, rounded half-even
 * with divideRounded. To make the pieces of one grant add up to its cost basis
 * exactly, the rounding is cumulative: the piece is
 *   round(C · out_after / A) − round(C · out_before / A)
 * where `out` is the credits that have left the grant for good so far. Each
 * piece is within one minor unit of its exact share, the rounding error is
 * never carried more than one unit, and when the grant is used up
 * (out = A) the pieces sum to C exactly. Credits coming back (a refund) move
 * `out` down and give a negative piece.
 */
export class CostBasisAllocator {
  private out = 0n;
  private allocated = 0n;

  constructor(
    readonly costBasisMinor: bigint,
    readonly granted: bigint,
  ) {
    if (granted <= 0n) throw new RangeError(`granted must be positive, got ${granted}`);
    if (costBasisMinor < 0n) throw new RangeError(`cost basis must not be negative, got ${costBasisMinor}`);
  }

  /** Credits that left (positive) or came back (negative); returns the money of the move in minor units. */
  move(credits: bigint): bigint {
    const next = this.out + credits;
    if (next < 0n || next > this.granted) {
      throw new RangeError(`moving ${credits} takes the grant outside 0..${this.granted} (out ${this.out})`);
    }
    const nextAllocated = divideRounded(this.costBasisMinor * next, this.granted, 'half_even');
    const piece = nextAllocated - this.allocated;
    this.out = next;
    this.allocated = nextAllocated;
    return piece;
  }

  /** Money not yet allocated: the grant's deferred revenue. */
  get unallocated(): bigint {
    return this.costBasisMinor - this.allocated;
  }
}

/** How an entry on a grant moves its cost basis: into which bucket, and which way. */
export type RevenueBucket = 'recognized' | 'breakage' | 'voided';

export function bucketOf(entryType: string): { bucket: RevenueBucket; sign: 1n | -1n } | null {
  switch (entryType) {
    case 'burn':
    case 'commit':
    case 'settle':
      return { bucket: 'recognized', sign: 1n };
    case 'refund':
      return { bucket: 'recognized', sign: -1n };
    case 'expiry':
      return { bucket: 'breakage', sign: 1n };
    case 'void':
      return { bucket: 'voided', sign: 1n };
    default:
      // grant is the sale; hold and release only park credits, which stay deferred until committed.
      return null;
  }
}
