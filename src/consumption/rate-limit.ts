/**
 * Per-account rate limit (R-C10): an in-process token bucket per account. It
 * is exact for one API process; with several API processes each enforces the
 * limit on its own (the effective limit multiplies by the process count) —
 * move the buckets to a shared store before scaling the API out.
 */
export class AccountRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes `cost` tokens; returns 0 when allowed, else the whole seconds to wait (Retry-After). */
  take(accountId: string, cost = 1): number {
    const now = this.now();
    const bucket = this.buckets.get(accountId) ?? { tokens: this.perSecond, at: now };
    bucket.tokens = Math.min(this.perSecond, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.buckets.set(accountId, bucket);
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return 0;
    }
    if (this.buckets.size > 100_000) this.evictFull(now);
    return Math.max(1, Math.ceil((cost - bucket.tokens) / this.perSecond));
  }

  /** Buckets that refilled completely carry no state worth keeping. */
  private evictFull(now: number): void {
    for (const [id, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.perSecond >= this.perSecond) this.buckets.delete(id);
    }
  }
}
