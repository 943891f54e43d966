import { describe, expect, it } from 'vitest';
import { loadPricingCatalog, resolveRule } from '../../src/consumption/pricing/catalog.js';
import type { PriceOverride } from '../../src/consumption/pricing/overrides.js';
import { rate } from '../../src/consumption/pricing/rate.js';
import { pricingDir } from './fixture.js';

const catalog = await loadPricingCatalog(pricingDir);
const override = (feature: string, extra: Partial<PriceOverride>): PriceOverride => ({
  id: `pov_${feature}`,
  feature,
  rate: null,
  tiers: null,
  effectiveFrom: new Date('2026-02-01T00:00:00Z'),
  until: new Date('2026-03-01T00:00:00Z'),
  ...extra,
});

/** Rates with the account's overrides, exactly as rateUsage does (resolveRule, then rate). */
function cost(feature: string, quantity: string, overrides: PriceOverride[], at = '2026-02-10T00:00:00Z') {
  const resolved = resolveRule(catalog, { id: 'a', pricing_version: null, cohort: null, overrides }, feature, new Date(at));
  return rate({
    pricingVersion: resolved.version.version,
    feature,
    rule: resolved.rule,
    cohort: resolved.cohort,
    override: resolved.override?.id ?? null,
    featureRule: resolved.featureRule,
    quantity,
    precision: 2,
  });
}

describe('price overrides applied to the rules (issue 18)', () => {
  it('applies only inside its window [effectiveFrom, until) and only to its feature', () => {
    const chat = [override('chat', { rate: '0.25' })];
    expect(cost('chat', '4', chat)).toMatchObject({ cost: '1.00', override: 'pov_chat', rule: 'features.chat' });
    expect(cost('chat', '4', chat, '2026-02-01T00:00:00Z').cost).toBe('1.00');
    expect(cost('chat', '4', chat, '2026-03-01T00:00:00Z')).toMatchObject({ cost: '4.00', override: null });
    expect(cost('chat', '4', chat, '2026-01-31T23:59:59Z')).toMatchObject({ cost: '4.00', override: null });
    expect(cost('images', '4', chat)).toMatchObject({ cost: '8.00', override: null });
  });

  it('tiers on a per-call rule count calls; on a time rule seconds, at the rule’s own per-hour price', () => {
    const tiers = [
      { upTo: '10', credits: '0.50' },
      { upTo: null, credits: '0.10' },
    ];
    // 12 calls: 10 × 0.50 + 2 × 0.10 = 5.20
    expect(cost('chat', '12', [override('chat', { tiers })]).cost).toBe('5.20');
    // gpu (half_even, credits per hour, quantity in seconds): 3600 s at 36/h for 60 s, then 18/h.
    const gpu = [
      override('gpu', {
        tiers: [
          { upTo: '60', credits: '36' },
          { upTo: null, credits: '18' },
        ],
      }),
    ];
    // 60 × 36/3600 + 30 × 18/3600 = 0.60 + 0.15 = 0.75
    expect(cost('gpu', '90', gpu)).toMatchObject({ cost: '0.75', exactCost: '3/4' });
    // 61 s: 0.60 + 0.005 = 0.605 → half-even 0.60 (the rule's rounding, kept)
    expect(cost('gpu', '61', gpu)).toMatchObject({ cost: '0.60', exactCost: '121/200' });
    // 63 s: 0.60 + 0.015 = 0.615 → half-even 0.62
    expect(cost('gpu', '63', gpu).cost).toBe('0.62');
  });

  it('a rate on a volume-tiered rule is one flat tier; the credit type and rounding stay the rule’s', () => {
    const flat = cost('images', '250', [override('images', { rate: '0.333' })]);
    // 250 × 0.333 = 83.25 exactly; 3 × 0.333 = 0.999 → half_up 1.00
    expect(flat).toMatchObject({ cost: '83.25', creditType: 'ai', rounding: 'half_up' });
    expect(cost('images', '3', [override('images', { rate: '0.333' })]).cost).toBe('1.00');
    expect(cost('storage', '150', [override('storage', { rate: '0.1' })])).toMatchObject({ creditType: 'storage', cost: '15.00' });
  });
});
