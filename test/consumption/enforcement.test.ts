import { describe, expect, it } from 'vitest';
import { effectiveMode, rolloutBucket } from '../../src/consumption/enforcement.js';
import { TokenBucketLimiter } from '../../src/api/rate-limit.js';
import { defaultSettings } from './fixture.js';

const accounts = Array.from({ length: 400 }, (_, i) => ({ id: `acct-${i}`, enforcement_mode: null }));

describe('enforcement modes (R-C8) and rate limits (R-C10)', () => {
  it('rolls enforcement out by account hash: stable per account, the rest in shadow', () => {
    const at = (percent: number) =>
      accounts.filter((a) => effectiveMode(a, { ...defaultSettings, enforcementRolloutPercent: percent }) === 'enforce').length;
    expect(at(0)).toBe(0);
    expect(at(100)).toBe(400);
    const quarter = at(25);
    expect(quarter).toBeGreaterThan(60);
    expect(quarter).toBeLessThan(140);
    // Monotone: an account enforced at 25% stays enforced at 50%.
    for (const a of accounts) {
      if (rolloutBucket(a.id) < 25) expect(effectiveMode(a, { ...defaultSettings, enforcementRolloutPercent: 50 })).toBe('enforce');
    }
    expect(effectiveMode({ id: 'a', enforcement_mode: null }, { ...defaultSettings, enforcementRolloutPercent: 0 })).toBe('shadow');
  });

  it('uses an account’s own mode over the global one, except the global kill switch', () => {
    expect(effectiveMode({ id: 'a', enforcement_mode: 'shadow' }, defaultSettings)).toBe('shadow');
    expect(effectiveMode({ id: 'a', enforcement_mode: 'enforce' }, { ...defaultSettings, enforcementMode: 'shadow' })).toBe('enforce');
    expect(effectiveMode({ id: 'a', enforcement_mode: null }, { ...defaultSettings, enforcementMode: 'shadow' })).toBe('shadow');
    expect(effectiveMode({ id: 'a', enforcement_mode: 'enforce' }, { ...defaultSettings, enforcementMode: 'off' })).toBe('off');
  });

  it('token bucket: a burst of the per-second limit, then Retry-After until it refills, per account', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter(3, () => now);
    expect([1, 2, 3].map(() => limiter.take('a'))).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBe(1);
    expect(limiter.take('b')).toBe(0);
    now += 334; // one token back (3 per second)
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(1);
    now += 1000;
    expect([1, 2, 3].map(() => limiter.take('a'))).toEqual([0, 0, 0]);
  });
});
