import { describe, expect, it } from 'vitest';
import {
  loadPricingCatalog,
  parsePricingFile,
  PricingLoadError,
  resolveRule,
  type PricingCatalog,
} from '../../src/consumption/pricing/catalog.js';
import { rate } from '../../src/consumption/pricing/rate.js';
import { pricingDir } from './fixture.js';

const catalog: PricingCatalog = await loadPricingCatalog(pricingDir);
const account = (extra: { pricing_version?: string; cohort?: string } = {}) => ({
  id: 'acct',
  pricing_version: extra.pricing_version ?? null,
  cohort: extra.cohort ?? null,
});

function cost(feature: string, quantity: string, at = new Date('2026-02-01T00:00:00Z'), acct = account(), precision = 2) {
  const resolved = resolveRule(catalog, acct, feature, at);
  return rate({
    pricingVersion: resolved.version.version,
    feature,
    rule: resolved.rule,
    cohort: resolved.cohort,
    featureRule: resolved.featureRule,
    quantity,
    precision,
  });
}

describe('pricing rules (R-C7)', () => {
  it('rates per call, per unit and by time, rounding once by the rule', () => {
    expect(cost('chat', '3')).toMatchObject({ cost: '3.00', exactCost: '3', pricingVersion: '2026-01', rule: 'features.chat' });
    // 0.02 per 1000 tokens: 1 token costs 0.00002, rounded up to one cent.
    expect(cost('tokens', '1')).toMatchObject({ cost: '0.01', exactCost: '1/50000' });
    expect(cost('tokens', '50000')).toMatchObject({ cost: '1.00', costUnits: 100n });
    // 36 per hour = 0.01 per second; 90 s = 0.90; half-even at the boundary: 0.5 s = 0.005 → 0.00, 1.5 s = 0.015 → 0.02.
    expect(cost('gpu', '90').cost).toBe('0.90');
    expect(cost('gpu', '0.5').cost).toBe('0.00');
    expect(cost('gpu', '1.5').cost).toBe('0.02');
  });

  it('rates graduated tiers slice by slice and volume tiers at one rate', () => {
    // storage (precision 0): 100 × 1 + 900 × 0.5 + 500 × 0.25 = 675
    expect(cost('storage', '1500', undefined, undefined, 0)).toMatchObject({ cost: '675', exactCost: '675' });
    expect(cost('storage', '100', undefined, undefined, 0).cost).toBe('100');
    expect(cost('storage', '100.5', undefined, undefined, 0)).toMatchObject({ cost: '101', exactCost: '401/4' });
    // images, volume: 10 at 2.00; 11 all at 1.50; 101 all at 1.00.
    expect(cost('images', '10').cost).toBe('20.00');
    expect(cost('images', '11').cost).toBe('16.50');
    expect(cost('images', '101').cost).toBe('101.00');
  });

  it('uses the version in force at the time, the pinned version for grandfathered accounts, and cohort rates', () => {
    const july = new Date('2026-08-01T00:00:00Z');
    expect(cost('chat', '1', july)).toMatchObject({ cost: '1.50', pricingVersion: '2026-07' });
    expect(cost('chat', '1', july, account({ pricing_version: '2026-01' }))).toMatchObject({ cost: '1.00', pricingVersion: '2026-01' });
    expect(cost('chat', '1', july, account({ cohort: 'startup' }))).toMatchObject({
      cost: '0.75',
      rule: 'cohorts.startup.chat',
      cohort: 'startup',
    });
    expect(cost('tokens', '1000', july, account({ cohort: 'startup' }))).toMatchObject({
      cost: '0.03',
      rule: 'features.tokens',
      cohort: null,
    });
    expect(() => cost('chat', '1', new Date('2025-12-31T23:59:59Z'))).toThrow(
      expect.objectContaining({
        fieldErrors: [expect.objectContaining({ message: 'no pricing version is in force at 2025-12-31T23:59:59.000Z' })],
      }),
    );
    expect(() => cost('chat', '1', july, account({ pricing_version: '1999-01' }))).toThrow('Unknown pricing version');
    expect(() => cost('warp', '1')).toThrow(
      expect.objectContaining({ fieldErrors: [expect.objectContaining({ code: 'unknown_feature' })] }),
    );
  });

  it('names the file, the path and the problem of an invalid file', () => {
    const head = 'version: "x1"\neffectiveFrom: "2026-01-01T00:00:00Z"\n';
    const problems = (text: string) => {
      try {
        parsePricingFile('bad.yaml', head + text);
      } catch (error) {
        expect(error).toBeInstanceOf(PricingLoadError);
        return (error as PricingLoadError).problems;
      }
      throw new Error('expected the file to be refused');
    };
    expect(problems('features:\n  chat: { creditType: ai, rounding: sideways, rate: { kind: per_call, credits: 1 } }\n')).toEqual([
      expect.stringMatching(/^bad\.yaml: features\.chat\.rounding: .*"half_even"/),
      expect.stringMatching(/^bad\.yaml: features\.chat\.rate\.credits: .*expected string/),
    ]);
    expect(
      problems(
        'features:\n  t: { creditType: ai, rounding: up, rate: { kind: tiered, mode: graduated, unit: u, tiers: [{ upTo: "10", credits: "1" }, { upTo: "5", credits: "1" }] } }\n',
      ),
    ).toEqual([
      'bad.yaml: features.t.rate.tiers.1.upTo: the last tier must be open (upTo: null)',
      "bad.yaml: features.t.rate.tiers.1.upTo: must be greater than the previous tier's upTo (10)",
    ]);
    expect(
      problems('features: {}\ncohorts:\n  vip: { nope: { creditType: ai, rounding: up, rate: { kind: per_call, credits: "1" } } }\n'),
    ).toEqual(['bad.yaml: cohorts.vip.nope: cohort rate for unknown feature nope; define it under features first']);
    expect(() => parsePricingFile('broken.yaml', 'version: [')).toThrow(/broken\.yaml line \d+: not valid YAML/);
  });
});
