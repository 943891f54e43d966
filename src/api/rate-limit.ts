import { LRUCache } from 'lru-cache';
import type { ApiDeps } from './deps.js';
import { HttpProblem } from './problem.js';

/**
 * Token buckets (a burst of the per-second rate, refilled continuously), one
 * per key, in a bounded LRU: memory stays flat however many keys an attacker
 * makes up, and a bucket pushed out is simply full again. The buckets live in
 * this process; with several API processes behind a load balancer each
 * enforces its own (see docs/SECURITY.md).
 */
export class TokenBucketLimiter {
  private readonly buckets: LRUCache<string, { tokens: number; at: number }>;

  private readonly capacity: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
    maxTracked = 100_000,
    /** The burst; by default one second's worth. */
    capacity?: number,
  ) {
    this.buckets = new LRUCache({ max: maxTracked });
    this.capacity = capacity ?? perSecond;
  }

  /** Takes `cost` tokens; returns 0 when allowed, else the whole seconds to wait (Retry-After). */
  take(key: string, cost = 1): number {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
    bucket.tokens = Math.min(this.capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return 0;
    }
    return Math.max(1, Math.ceil((cost - bucket.tokens) / this.perSecond));
  }

  /** Whether a take would be refused now, without taking. */
  empty(key: string, cost = 1): boolean {
    const bucket = this.buckets.get(key);
    if (!bucket) return false;
    return bucket.tokens + ((this.now() - bucket.at) / 1000) * this.perSecond < cost;
  }

  get size(): number {
    return this.buckets.size;
  }
}

interface Limiters {
  account: TokenBucketLimiter;
  key: TokenBucketLimiter;
  authFailures: TokenBucketLimiter;
}

const perDeps = new WeakMap<ApiDeps, Limiters>();

/** The limiters of one app (one per ApiDeps, so test apps do not share buckets). */
export function limitersOf(deps: ApiDeps): Limiters {
  let limiters = perDeps.get(deps);
  if (!limiters) {
    const c = deps.config;
    limiters = {
      account: new TokenBucketLimiter(c.RATE_LIMIT_PER_ACCOUNT_PER_SECOND, undefined, c.RATE_LIMIT_MAX_TRACKED),
      key: new TokenBucketLimiter(c.RATE_LIMIT_PER_KEY_PER_SECOND, undefined, c.RATE_LIMIT_MAX_TRACKED),
      authFailures: new TokenBucketLimiter(
        c.RATE_LIMIT_AUTH_FAILURES_PER_MINUTE / 60,
        undefined,
        c.RATE_LIMIT_MAX_TRACKED,
        c.RATE_LIMIT_AUTH_FAILURES_PER_MINUTE,
      ),
    };
    perDeps.set(deps, limiters);
  }
  return limiters;
}

export function rateLimited(detail: string, wait: number, extra: Record<string, unknown> = {}): HttpProblem {
  return new HttpProblem(
    { title: 'Too Many Requests', status: 429, code: 'rate_limited', detail: `${detail}; retry after ${wait} s.`, ...extra },
    { 'Retry-After': String(wait) },
  );
}

/** 429 once an account is over RATE_LIMIT_PER_ACCOUNT_PER_SECOND; charged by defineRoute after authorization. */
export function chargeAccount(deps: ApiDeps, accountId: string): void {
  const wait = limitersOf(deps).account.take(accountId);
  if (wait > 0) {
    throw rateLimited(
      `Account ${accountId} is over its limit of ${deps.config.RATE_LIMIT_PER_ACCOUNT_PER_SECOND} requests per second`,
      wait,
      {
        accountId,
      },
    );
  }
}

/** 429 once an API key is over RATE_LIMIT_PER_KEY_PER_SECOND (every mutation, and costly reads). */
export function chargeKey(deps: ApiDeps, keyId: string, cost = 1): void {
  const wait = limitersOf(deps).key.take(keyId, cost);
  if (wait > 0)
    throw rateLimited(`This API key is over its limit of ${deps.config.RATE_LIMIT_PER_KEY_PER_SECOND} requests per second`, wait);
}
