import type { ApiDeps } from './deps.js';
import { HttpProblem } from './problem.js';
import { AccountRateLimiter } from '../consumption/rate-limit.js';

const limiters = new WeakMap<ApiDeps, AccountRateLimiter>();

/** 429 with Retry-After once an account is over RATE_LIMIT_PER_ACCOUNT_PER_SECOND (one bucket per API process). */
export function enforceRateLimit(deps: ApiDeps, accountId: string): void {
  let limiter = limiters.get(deps);
  if (!limiter) limiters.set(deps, (limiter = new AccountRateLimiter(deps.config.RATE_LIMIT_PER_ACCOUNT_PER_SECOND)));
  const wait = limiter.take(accountId);
  if (wait > 0) {
    throw new HttpProblem(
      {
        title: 'Too Many Requests',
        status: 429,
        code: 'rate_limited',
        detail: `Account ${accountId} is over its limit of ${deps.config.RATE_LIMIT_PER_ACCOUNT_PER_SECOND} requests per second; retry after ${wait} s.`,
        accountId,
      },
      { 'Retry-After': String(wait) },
    );
  }
}
