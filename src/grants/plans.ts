import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../errors.js';
import { AmountFormatError, formatMoney, parseMoney } from '../money/amount.js';
import type { ResolvedPlan, ResolvedTrial } from '../contracts/grants.js';

const amount = z.string().regex(/^\d{1,19}(\.\d+)?$/, 'a decimal string');
const rollover = z.discriminatedUnion('rule', [
  z.object({ rule: z.literal('none') }),
  z.object({ rule: z.literal('capped'), cap: amount, expiresAfterPeriods: z.number().int().min(1) }),
  z.object({ rule: z.literal('full'), expiresAfterPeriods: z.number().int().min(1) }),
]);
const planSchema = z.object({
  description: z.string(),
  creditType: z.string(),
  amount,
  period: z.object({ unit: z.enum(['day', 'month', 'year']), count: z.number().int().min(1) }),
  rollover,
  /** Charged at every period start (2026-12 on); a plan without one (2026-01) is never charged. */
  price: z.object({ amount, currency: z.string().regex(/^[A-Za-z]{3}$/, 'an ISO 4217 code such as USD') }).optional(),
});
const trialSchema = z.object({
  description: z.string(),
  creditType: z.string(),
  amount,
  durationDays: z.number().int().min(1),
  outcome: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('expire') }),
    z.object({ kind: z.literal('convert'), planId: z.string() }),
  ]),
});
const fileSchema = z.object({
  version: z.string().regex(/^\d{4}-\d{2}$/),
  description: z.string().optional(),
  plans: z.record(z.string(), planSchema),
  trials: z.record(z.string(), trialSchema).default({}),
});
export type PlanFile = z.output<typeof fileSchema>;

export interface PlanVersionView {
  version: string;
  description: string | null;
  plans: {
    planId: string;
    description: string;
    creditType: string;
    amount: string;
    period: ResolvedPlan['period'];
    rollover: ResolvedPlan['rollover'];
    price: { amount: string; currency: string } | null;
  }[];
}

/**
 * A plan's price as exact money: the currency upper-cased and the amount in
 * exactly its minor units ("45" → "45.00" USD); more decimals than the
 * currency has is an error in the file, never a rounding.
 */
function exactPrice(file: string, planId: string, price: { amount: string; currency: string }) {
  try {
    const money = parseMoney(price.amount, price.currency);
    return formatMoney(money.minor, money.currency);
  } catch (error) {
    if (error instanceof AmountFormatError) throw new Error(`plans/${file}: plan ${planId} price: ${error.message}`);
    throw error;
  }
}

/** The versioned plan files (plans/<version>.yaml), validated; read when asked, never at import. */
export class PlanCatalog {
  private constructor(private readonly versions: ReadonlyMap<string, PlanFile>) {}

  static load(dir: URL = new URL('../../plans/', import.meta.url)): PlanCatalog {
    const versions = new Map<string, PlanFile>();
    for (const name of readdirSync(dir)
      .filter((n) => n.endsWith('.yaml'))
      .sort()) {
      const file = fileSchema.parse(parse(readFileSync(new URL(name, dir), 'utf8')));
      if (`${file.version}.yaml` !== name) throw new Error(`plans/${name} declares version ${file.version}`);
      for (const [id, plan] of Object.entries(file.plans)) if (plan.price) plan.price = exactPrice(name, id, plan.price);
      versions.set(file.version, file);
    }
    return new PlanCatalog(versions);
  }

  latestVersion(): string {
    return [...this.versions.keys()].sort().at(-1)!;
  }

  versionIds(): string[] {
    return [...this.versions.keys()].sort();
  }

  /**
   * A plan or trial named in a request, or a 400 naming the field at fault and
   * what exists: an unknown version (`planVersion`), or an id the version lacks.
   */
  resolveForRequest<K extends 'plans' | 'trials'>(
    kind: K,
    id: string,
    version: string | undefined,
    idPath: string,
  ): K extends 'plans' ? ResolvedPlan : ResolvedTrial {
    const v = version ?? this.latestVersion();
    const file = this.versions.get(v);
    if (!file)
      throw new ValidationError('Unknown plan version', [
        { path: 'planVersion', message: `no plan version ${v}; versions: ${this.versionIds().join(', ')}` },
      ]);
    if (!Object.hasOwn(file[kind], id)) {
      throw new ValidationError(`Unknown ${kind === 'plans' ? 'plan' : 'trial'}`, [
        {
          path: idPath,
          message: `no ${kind === 'plans' ? 'plan' : 'trial'} ${id} in version ${v}; there are: ${Object.keys(file[kind]).sort().join(', ') || 'none'}`,
        },
      ]);
    }
    return (kind === 'plans' ? this.plan(id, v) : this.trial(id, v)) as K extends 'plans' ? ResolvedPlan : ResolvedTrial;
  }

  plan(planId: string, version = this.latestVersion()): ResolvedPlan {
    const plan = this.versions.get(version)?.plans[planId];
    if (!plan) throw new NotFoundError('plan', `${planId}@${version}`);
    return {
      ref: { planId, version },
      creditType: plan.creditType,
      amount: plan.amount,
      period: plan.period,
      rollover: plan.rollover,
      ...(plan.price && { price: plan.price }),
    };
  }

  /** Every version with its plans, oldest first: what a pricing page shows. */
  listVersions(): PlanVersionView[] {
    return this.versionIds().map((version) => {
      const file = this.versions.get(version)!;
      return {
        version,
        description: file.description ?? null,
        plans: Object.entries(file.plans)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([planId, p]) => ({
            planId,
            description: p.description,
            creditType: p.creditType,
            amount: p.amount,
            period: p.period,
            rollover: p.rollover,
            price: p.price ?? null,
          })),
      };
    });
  }

  trial(trialId: string, version = this.latestVersion()): ResolvedTrial {
    const trial = this.versions.get(version)?.trials[trialId];
    if (!trial) throw new NotFoundError('trial', `${trialId}@${version}`);
    return {
      trialId,
      creditType: trial.creditType,
      amount: trial.amount,
      durationMs: trial.durationDays * 86_400_000,
      convertTo: trial.outcome.kind === 'convert' ? this.plan(trial.outcome.planId, version) : null,
    };
  }
}

/** A plan of the latest version that is never charged (price 0): what may start at sign-up. */
export function isFreePlan(planId: string): boolean {
  const catalog = planCatalog();
  const plan = catalog
    .listVersions()
    .at(-1)
    ?.plans.find((p) => p.planId === planId);
  return plan?.price != null && !/[1-9]/.test(plan.price.amount);
}

let loaded: PlanCatalog | undefined;
/** The process's plan catalog, loaded on first use (plan files are immutable once released). */
export function planCatalog(): PlanCatalog {
  return (loaded ??= PlanCatalog.load());
}
