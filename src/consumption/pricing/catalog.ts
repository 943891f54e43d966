import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ValidationError } from '../../errors.js';
import { applyOverride, overrideInForce, type PriceOverride } from './overrides.js';
import { pricingFileSchema, type FeatureRule, type PricingFile } from './schema.js';

/** One loaded version: the file's rules plus where they came from and their content hash (immutability check). */
export interface PricingVersion extends PricingFile {
  file: string;
  contentHash: string;
  effectiveFromDate: Date;
}

/** Every version in the pricing folder, oldest effectiveFrom first. */
export interface PricingCatalog {
  versions: readonly PricingVersion[];
}

export class PricingLoadError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid pricing rules:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PricingLoadError';
  }
}

function issuePath(issue: z.core.$ZodIssue): string {
  return issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.');
}

/** Parses and validates one file's text; problems name the file, the path and the problem. */
export function parsePricingFile(file: string, text: string): PricingVersion {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` line ${error.linePos[0].line}` : '';
    throw new PricingLoadError([`${file}${where}: not valid YAML: ${(error as Error).message.split('\n')[0]}`]);
  }
  const result = pricingFileSchema.safeParse(raw);
  if (!result.success) {
    throw new PricingLoadError(result.error.issues.map((issue) => `${file}: ${issuePath(issue)}: ${issue.message}`));
  }
  const contentHash = createHash('sha256').update(JSON.stringify(result.data)).digest('hex');
  return { ...result.data, file, contentHash, effectiveFromDate: new Date(result.data.effectiveFrom) };
}

/** Loads every *.yaml / *.yml file of a folder; all problems of all files are reported at once. */
export async function loadPricingCatalog(dir: string): Promise<PricingCatalog> {
  const names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  const problems: string[] = [];
  const versions: PricingVersion[] = [];
  for (const name of names) {
    try {
      versions.push(parsePricingFile(name, await readFile(path.join(dir, name), 'utf8')));
    } catch (error) {
      if (!(error instanceof PricingLoadError)) throw error;
      problems.push(...error.problems);
    }
  }
  const seen = new Map<string, string>();
  for (const v of versions) {
    const other = seen.get(v.version);
    if (other) problems.push(`${v.file}: version: ${v.version} is also defined in ${other}; each version lives in one file`);
    seen.set(v.version, v.file);
  }
  if (versions.length === 0 && problems.length === 0) problems.push(`${dir}: no pricing files (*.yaml)`);
  if (problems.length > 0) throw new PricingLoadError(problems);
  versions.sort((a, b) => a.effectiveFromDate.getTime() - b.effectiveFromDate.getTime() || a.version.localeCompare(b.version));
  return { versions };
}

const cached = new Map<string, Promise<PricingCatalog>>();
/** The catalog of a folder, loaded once per process (files change only with a deploy). */
export function pricingCatalogFor(dir: string): Promise<PricingCatalog> {
  let loading = cached.get(dir);
  if (!loading) {
    loading = loadPricingCatalog(dir);
    loading.catch(() => cached.delete(dir));
    cached.set(dir, loading);
  }
  return loading;
}

export interface ResolvedRule {
  version: PricingVersion;
  feature: string;
  rule: string;
  cohort: string | null;
  /** The rule's numbers after the account's override, if one is in force. */
  featureRule: FeatureRule;
  /** The rule as the version (or its cohort) has it. */
  baseRule: FeatureRule;
  override: PriceOverride | null;
}

/** The version an account is priced by at `at`: its pinned one, or the latest in force. */
export function versionFor(catalog: PricingCatalog, account: { pricing_version: string | null }, at: Date): PricingVersion | undefined {
  return account.pricing_version
    ? catalog.versions.find((v) => v.version === account.pricing_version)
    : catalog.versions.filter((v) => v.effectiveFromDate <= at).at(-1);
}

/**
 * The rule for a feature (R-C7): the account's pinned version when it has one
 * (grandfathering), otherwise the latest version in force at `at` (the event's
 * time for usage events); its cohort's rate when the version has one; then
 * the account's price override in force at `at`, when it has one (issue 18).
 */
export function resolveRule(
  catalog: PricingCatalog,
  account: { id: string; pricing_version: string | null; cohort: string | null; overrides?: readonly PriceOverride[] },
  feature: string,
  at: Date,
): ResolvedRule {
  const version = versionFor(catalog, account, at);
  if (!version) {
    throw account.pricing_version
      ? new ValidationError('Unknown pricing version', [
          {
            path: 'pricingVersion',
            message: `account ${account.id} is pinned to pricing version ${account.pricing_version}, which does not exist`,
          },
        ])
      : new ValidationError('No pricing in force', [
          { path: 'timestamp', message: `no pricing version is in force at ${at.toISOString()}` },
        ]);
  }
  const cohortRule = account.cohort ? version.cohorts[account.cohort]?.[feature] : undefined;
  const featureRule = cohortRule ?? version.features[feature];
  if (!featureRule) {
    throw new ValidationError('Unknown feature', [
      { path: 'feature', message: `pricing version ${version.version} has no rule for feature ${feature}`, code: 'unknown_feature' },
    ]);
  }
  const override = (account.overrides && overrideInForce(account.overrides, feature, at)) ?? null;
  return {
    version,
    feature,
    rule: cohortRule ? `cohorts.${account.cohort}.${feature}` : `features.${feature}`,
    cohort: cohortRule ? account.cohort : null,
    featureRule: override ? applyOverride(featureRule, override) : featureRule,
    baseRule: featureRule,
    override,
  };
}
