import { ValidationError, NotFoundError } from '../../errors.js';
import { resolveRule, versionFor, type PricingCatalog, type PricingVersion } from './catalog.js';
import type { FeatureRule, Rate } from './schema.js';

export interface PricingVersionSummary {
  version: string;
  effectiveFrom: string;
  description: string | null;
  file: string;
  contentHash: string;
  /** The version unpinned accounts are priced by now. */
  current: boolean;
  features: string[];
  cohorts: string[];
}

export interface PricingVersionDetail extends PricingVersionSummary {
  rules: { features: Record<string, FeatureRule>; cohorts: Record<string, Record<string, FeatureRule>> };
}

function summary(catalog: PricingCatalog, v: PricingVersion, now: Date): PricingVersionSummary {
  return {
    version: v.version,
    effectiveFrom: v.effectiveFromDate.toISOString(),
    description: v.description ?? null,
    file: v.file,
    contentHash: v.contentHash,
    current: versionFor(catalog, { pricing_version: null }, now) === v,
    features: Object.keys(v.features).sort(),
    cohorts: Object.keys(v.cohorts).sort(),
  };
}

/** Every version of the catalog, oldest first. */
export function pricingVersions(catalog: PricingCatalog, now: Date): PricingVersionSummary[] {
  return catalog.versions.map((v) => summary(catalog, v, now));
}

export function pricingVersion(catalog: PricingCatalog, version: string, now: Date): PricingVersionDetail {
  const found = catalog.versions.find((v) => v.version === version);
  if (!found) throw new NotFoundError('pricing version', version);
  return { ...summary(catalog, found, now), rules: { features: found.features, cohorts: found.cohorts } };
}

export interface RateCardLine {
  feature: string;
  description: string | null;
  creditType: string;
  rounding: FeatureRule['rounding'];
  /** The rate this account pays now. */
  rate: Rate;
  /** Where it comes from: the version's rule, its cohort's, or the account's price override. */
  source: 'version' | 'cohort' | 'override';
  pricingVersion: string;
  rule: string;
  cohort: string | null;
  override: { id: string; effectiveFrom: string; until: string | null } | null;
  /** The version's (or cohort's) rate, when an override replaces it. */
  listRate: Rate | null;
}

export interface RateCard {
  accountId: string;
  at: string;
  pricingVersion: string;
  /** Whether the account is pinned to its version (grandfathered) rather than on the latest in force. */
  pinned: boolean;
  cohort: string | null;
  features: RateCardLine[];
}

/** What each feature costs this account at `now`, by the same resolution rating uses (resolveRule). */
export function rateCard(
  catalog: PricingCatalog,
  account: Parameters<typeof resolveRule>[1] & { overrides: NonNullable<Parameters<typeof resolveRule>[1]['overrides']> },
  now: Date,
): RateCard {
  const version = versionFor(catalog, account, now);
  if (!version)
    throw new ValidationError('No pricing in force', [{ path: 'pricingVersion', message: `no pricing version for account ${account.id}` }]);
  const features = Object.keys(version.features)
    .sort()
    .map((feature): RateCardLine => {
      const r = resolveRule(catalog, account, feature, now);
      return {
        feature,
        description: r.featureRule.description ?? null,
        creditType: r.featureRule.creditType,
        rounding: r.featureRule.rounding,
        rate: r.featureRule.rate,
        source: r.override ? 'override' : r.cohort ? 'cohort' : 'version',
        pricingVersion: r.version.version,
        rule: r.rule,
        cohort: r.cohort,
        override: r.override
          ? { id: r.override.id, effectiveFrom: r.override.effectiveFrom.toISOString(), until: r.override.until?.toISOString() ?? null }
          : null,
        listRate: r.override ? r.baseRule.rate : null,
      };
    });
  return {
    accountId: account.id,
    at: now.toISOString(),
    pricingVersion: version.version,
    pinned: account.pricing_version !== null,
    cohort: account.cohort,
    features,
  };
}
