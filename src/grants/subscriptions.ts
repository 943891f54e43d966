import { fromUnits, getCreditType, toUnits, type LedgerDeps } from '../ledger/index.js';
import { issueGrant } from '../observability/measured-ledger.js';
import { divideRounded } from '../money/amount.js';
import type { ResolvedPlan, RolloverRule } from '../contracts/grants.js';
import { clockAtLeast, expireGrantAsOf } from './expiry.js';

const ACTOR = 'system:subscription';

/**
 * What of a period's unused allotment rolls over (R-G5): none, all of it, or
 * at most the cap. Pure, in the credit type's smallest units.
 */
export function rolloverUnits(rule: RolloverRule, unused: bigint, capUnits: bigint | null): bigint {
  if (rule.rule === 'none') return 0n;
  if (rule.rule === 'full') return unused;
  return capUnits !== null && unused > capUnits ? capUnits : unused;
}

/**
 * The mid-period proration rule for a plan change that takes effect now: the
 * extra credits of the new plan for the rest of the period, rounded down to
 * the credit type's unit. Same credit type: (new − old) × remaining / period,
 * nothing for a downgrade (credits already granted are not clawed back).
 * Another credit type: new × remaining / period.
 */
export function proratedUnits(oldUnits: bigint | null, newUnits: bigint, remainingMs: number, periodMs: number): bigint {
  const extra = oldUnits === null ? newUnits : newUnits - oldUnits;
  if (extra <= 0n || remainingMs <= 0) return 0n;
  return divideRounded(extra * BigInt(remainingMs), BigInt(periodMs), 'down');
}

export interface AllotmentInput {
  subscriptionId: string;
  accountId: string;
  plan: ResolvedPlan;
  periodIndex: number;
  effectiveAt: string;
  expiresAt: string;
  /** The workflow's instant. */
  at: string;
  /** A paid period: the charge's purchase, and its money as the grant's cost basis (revenue recognition). */
  payment?: { purchaseId: string; costBasis: { amount: string; currency: string } } | undefined;
}

/** Issues a period's plan allotment; idempotent by `plan:<subscription>:<period>`. */
export async function issuePlanAllotment(ledger: LedgerDeps, input: AllotmentInput): Promise<{ grantId: string }> {
  const grant = await issueGrant(
    clockAtLeast(ledger, input.at),
    {
      accountId: input.accountId,
      creditType: input.plan.creditType,
      amount: input.plan.amount,
      source: 'plan',
      effectiveAt: new Date(input.effectiveAt),
      expiresAt: new Date(input.expiresAt),
      externalRef: `plan:${input.subscriptionId}:${input.periodIndex}`,
      ...(input.payment && { costBasis: input.payment.costBasis }),
      metadata: {
        subscriptionId: input.subscriptionId,
        planId: input.plan.ref.planId,
        planVersion: input.plan.ref.version,
        period: String(input.periodIndex),
        ...(input.payment && { purchase_id: input.payment.purchaseId }),
      },
    },
    {
      actor: ACTOR,
      idempotencyKey: `subscription-${input.subscriptionId}:allotment:${input.periodIndex}`,
      reason: `plan ${input.plan.ref.planId} period ${input.periodIndex}`,
    },
  );
  return { grantId: grant.id };
}

export interface ProrationInput extends AllotmentInput {
  previous: ResolvedPlan;
  periodStart: string;
  changeNumber: number;
}

/** The prorated extra allotment of a plan change effective now (see proratedUnits). */
export async function issueProratedAllotment(
  ledger: LedgerDeps,
  input: ProrationInput,
): Promise<{ grantId: string | null; amount: string }> {
  const creditType = await getCreditType(ledger.db, input.plan.creditType);
  const sameType = input.previous.creditType === input.plan.creditType;
  const units = proratedUnits(
    sameType ? toUnits(creditType, input.previous.amount, 'amount') : null,
    toUnits(creditType, input.plan.amount, 'amount'),
    Date.parse(input.expiresAt) - Date.parse(input.at),
    Date.parse(input.expiresAt) - Date.parse(input.periodStart),
  );
  if (units === 0n) return { grantId: null, amount: fromUnits(creditType, 0n) };
  const grant = await issueGrant(
    clockAtLeast(ledger, input.at),
    {
      accountId: input.accountId,
      creditType: creditType.id,
      amount: fromUnits(creditType, units),
      source: 'plan',
      expiresAt: new Date(input.expiresAt),
      externalRef: `plan:${input.subscriptionId}:${input.periodIndex}:change:${input.changeNumber}`,
      metadata: {
        subscriptionId: input.subscriptionId,
        planId: input.plan.ref.planId,
        planVersion: input.plan.ref.version,
        period: String(input.periodIndex),
        prorated: 'true',
      },
    },
    {
      actor: ACTOR,
      idempotencyKey: `subscription-${input.subscriptionId}:proration:${input.periodIndex}:${input.changeNumber}`,
      reason: 'plan change, prorated',
    },
  );
  return { grantId: grant.id, amount: grant.amount };
}

export interface PeriodCloseInput {
  subscriptionId: string;
  accountId: string;
  plan: ResolvedPlan;
  periodIndex: number;
  /** The period's allotment grants (the allotment and any prorated extras). */
  grantIds: string[];
  periodEnd: string;
  /** When the rolled-over grant expires (null with rule none). */
  rolloverExpiresAt: string | null;
}

/**
 * Period end: expires what is left of the period's allotments at the period's
 * end, then grants the rolled-over part as a `rollover` grant. The unused
 * amount is read from the expiry entries, so a retry after the expiry
 * committed computes the same rollover. Earlier rollover grants of the
 * subscription due by this instant expire here as well. Allotments carry no cost basis, so
 * expiring and re-granting the rolled part moves no money. Credits still held
 * at the period end, released later, expire then and do not roll over.
 */
export async function closePlanPeriod(
  ledger: LedgerDeps,
  input: PeriodCloseInput,
): Promise<{ unused: string; rolledOver: string; rolloverGrantId: string | null; rolloverExpiresAt: string | null }> {
  for (const grantId of input.grantIds) await expireGrantAsOf(ledger, grantId, input.periodEnd, ACTOR);
  // Rollover grants expire on a period boundary, so this step is their timer too.
  const dueRollovers = await ledger.db
    .selectFrom('grants')
    .select('id')
    .where('account_id', '=', input.accountId)
    .where('source', '=', 'rollover')
    .where('external_ref', 'like', `rollover:${input.subscriptionId}:%`)
    .where('status', '=', 'active')
    .where('expires_at', '<=', new Date(input.periodEnd))
    .execute();
  for (const { id } of dueRollovers) await expireGrantAsOf(ledger, id, input.periodEnd, ACTOR);
  const creditType = await getCreditType(ledger.db, input.plan.creditType);
  const unused =
    input.grantIds.length === 0
      ? 0n
      : ((
          await ledger.db
            .selectFrom('ledger_entries')
            .select((eb) => eb.fn.sum<string | null>('amount').as('total'))
            .where('account_id', '=', input.accountId)
            .where('grant_id', 'in', input.grantIds)
            .where('entry_type', '=', 'expiry')
            .executeTakeFirst()
        )?.total ?? '0');
  const unusedUnits = BigInt(unused);
  const cap = input.plan.rollover.rule === 'capped' ? toUnits(creditType, input.plan.rollover.cap, 'cap', { allowZero: true }) : null;
  const rolled = rolloverUnits(input.plan.rollover, unusedUnits, cap);
  if (rolled === 0n || input.rolloverExpiresAt === null) {
    return {
      unused: fromUnits(creditType, unusedUnits),
      rolledOver: fromUnits(creditType, 0n),
      rolloverGrantId: null,
      rolloverExpiresAt: null,
    };
  }
  const grant = await issueGrant(
    clockAtLeast(ledger, input.periodEnd),
    {
      accountId: input.accountId,
      creditType: creditType.id,
      amount: fromUnits(creditType, rolled),
      source: 'rollover',
      effectiveAt: new Date(input.periodEnd),
      expiresAt: new Date(input.rolloverExpiresAt),
      externalRef: `rollover:${input.subscriptionId}:${input.periodIndex}`,
      metadata: { subscriptionId: input.subscriptionId, fromPeriod: String(input.periodIndex), rule: input.plan.rollover.rule },
    },
    {
      actor: ACTOR,
      idempotencyKey: `subscription-${input.subscriptionId}:rollover:${input.periodIndex}`,
      reason: `rollover (${input.plan.rollover.rule})`,
    },
  );
  return {
    unused: fromUnits(creditType, unusedUnits),
    rolledOver: grant.amount,
    rolloverGrantId: grant.id,
    rolloverExpiresAt: grant.expiresAt,
  };
}
