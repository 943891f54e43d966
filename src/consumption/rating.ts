import { sql } from 'kysely';
import type { Database, Tx } from '../db/database.js';
import { getCreditType } from '../ledger/index.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { resolveRule, type PricingCatalog, type ResolvedRule } from './pricing/catalog.js';
import { overridesJsonSql, parseOverrides } from './pricing/override-store.js';
import type { PriceOverride } from './pricing/overrides.js';
import { rate, type Rating } from './pricing/rate.js';
import { isDecimal } from './pricing/rational.js';
import { ensurePricingRegistered } from './pricing/registry.js';
import type { EnforcementMode } from './settings.js';

export interface RatedAccount {
  id: string;
  pricing_version: string | null;
  cohort: string | null;
  enforcement_mode: EnforcementMode | null;
  /** Its price overrides (issue 18), loaded with the account in the same statement. */
  overrides: PriceOverride[];
}

const ratedAccounts = (db: Database | Tx) =>
  db
    .selectFrom('accounts')
    .select(['id', 'pricing_version', 'cohort', 'enforcement_mode', overridesJsonSql(sql.ref('accounts.id')).as('overrides')]);

export async function loadAccount(db: Database | Tx, accountId: string): Promise<RatedAccount> {
  const account = await ratedAccounts(db).where('id', '=', accountId).executeTakeFirst();
  if (!account) throw new NotFoundError('account', accountId);
  return { ...account, overrides: parseOverrides(account.overrides) };
}

/** Several accounts as rating reads them, in one statement (a pricing simulation's page); unknown ids are left out. */
export async function loadAccounts(db: Database | Tx, accountIds: readonly string[]): Promise<Map<string, RatedAccount>> {
  if (accountIds.length === 0) return new Map();
  const rows = await ratedAccounts(db).where('id', 'in', accountIds).execute();
  return new Map(rows.map((a) => [a.id, { ...a, overrides: parseOverrides(a.overrides) }]));
}

export interface RateRequest {
  account: RatedAccount;
  feature: string;
  quantity: string;
  /** The instant whose version is in force (event time); ignored for pinned accounts. */
  at: Date;
  /** Rate under this exact version (a consumption commits under the version it reserved with). */
  version?: string | null | undefined;
}

/** Rates one quantity: the rule in force for the account, exact cost, the rule's rounding (R-C7). */
export async function rateUsage(db: Database, catalog: PricingCatalog, request: RateRequest): Promise<Rating & { costUnits: bigint }> {
  await ensurePricingRegistered(db, catalog);
  if (!isDecimal(request.quantity)) {
    throw new ValidationError('Invalid quantity', [
      { path: 'quantity', message: `"${request.quantity}" is not a non-negative decimal string` },
    ]);
  }
  const account = request.version ? { ...request.account, pricing_version: request.version } : request.account;
  const resolved = resolveRule(catalog, account, request.feature, request.at);
  const creditType = await getCreditType(db, resolved.featureRule.creditType);
  return rateResolved(resolved, request.quantity, creditType.precision);
}

/**
 * Rates a quantity under a rule resolveRule found: the one step every rating
 * takes after resolution, with no database (a pricing simulation rates a
 * month of events this way, the credit types' precisions read once).
 */
export function rateResolved(resolved: ResolvedRule, quantity: string, precision: number): Rating & { costUnits: bigint } {
  return rate({
    pricingVersion: resolved.version.version,
    feature: resolved.feature,
    rule: resolved.rule,
    cohort: resolved.cohort,
    override: resolved.override?.id ?? null,
    featureRule: resolved.featureRule,
    quantity,
    precision,
  });
}

/** A rating as stored (JSON has no bigint). */
export function storedRating(rating: Rating & { costUnits?: bigint }): string {
  const { costUnits: _units, ...rest } = rating;
  return JSON.stringify(rest);
}
