import { balanceSummary } from '../accounts/balance-summary.js';
import { netBurned } from '../accounts/usage-rollups.js';
import type { Database } from '../db/database.js';
import { divideRounded, formatAmount, parseAmount } from '../money/amount.js';
import type { CrmGateway } from './gateway.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** CRM_UPSELL_* (src/config/variables-crm.ts). */
export interface UpsellSettings {
  action: 'task' | 'deal' | 'off';
  depletionDays: number;
  /** Decimal percentage, at most 2 decimals ("50", "12.5"). */
  burnGrowthPercent: string;
  period: 'day' | 'week' | 'month';
  deal: { pipeline: string; stage: string };
}

export type UpsellSignalName = 'depletion' | 'burn_growth';

export interface UpsellSignal {
  signal: UpsellSignalName;
  creditType: string;
  /** One line for the account manager, with the figures that fired it. */
  detail: string;
}

/** The period a signal belongs to, in UTC: `2026-11-30`, `2026-W49` (ISO week) or `2026-11`. */
export function periodOf(now: Date, period: UpsellSettings['period']): string {
  const day = now.toISOString().slice(0, 10);
  if (period === 'day') return day;
  if (period === 'month') return day.slice(0, 7);
  // ISO 8601: the week belongs to the year of its Thursday.
  const thursday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  thursday.setUTCDate(thursday.getUTCDate() + 3 - ((thursday.getUTCDay() + 6) % 7));
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = Math.floor((thursday.getTime() - yearStart) / DAY_MS / 7) + 1;
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/**
 * Whether this week's net burn is at least `percent` % above last week's, in
 * exact integers: this × 10000 ≥ last × (10000 + percent in basis points).
 * No signal without a burn last week (growth from nothing is not a rate).
 */
export function burnGrew(thisWeek: bigint, lastWeek: bigint, percent: string): boolean {
  if (lastWeek <= 0n) return false;
  const basisPoints = parseAmount(percent, 2);
  return thisWeek * 10_000n >= lastWeek * (10_000n + basisPoints);
}

/**
 * The signals an account shows now, per credit type: its forecast depletion
 * (the balance view's `depletesAt`, src/accounts/balance-summary.ts) is fewer
 * than `depletionDays` away, or its 7-day net burn grew by at least
 * `burnGrowthPercent` % over the 7 days before (the same hourly rollups).
 */
export async function upsellSignals(db: Database, accountId: string, now: Date, settings: UpsellSettings): Promise<UpsellSignal[]> {
  const hour = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS);
  const [summary, burns] = await Promise.all([balanceSummary(db, accountId, now), netBurned(db, accountId, hour)]);
  const signals: UpsellSignal[] = [];
  for (const b of summary.balances) {
    if (b.depletesAt !== null && new Date(b.depletesAt).getTime() - now.getTime() < settings.depletionDays * DAY_MS) {
      signals.push({
        signal: 'depletion',
        creditType: b.creditType,
        detail: `${b.name} run out around ${b.depletesAt} at ${b.burnRate.perDay7d} a day (${b.available} left), within ${settings.depletionDays} days.`,
      });
    }
    const burned = burns.get(b.creditType);
    if (burned && burnGrew(burned.d7, burned.previous7, settings.burnGrowthPercent)) {
      const percentOfLast = formatAmount(divideRounded(burned.d7 * 1000n, burned.previous7, 'half_even'), 1);
      signals.push({
        signal: 'burn_growth',
        creditType: b.creditType,
        detail:
          `${b.name} burned ${formatAmount(burned.d7, b.precision)} in the last 7 days, ${percentOfLast} % of the ` +
          `${formatAmount(burned.previous7, b.precision)} the 7 days before (signal at +${settings.burnGrowthPercent} %).`,
      });
    }
  }
  return signals;
}

const SUBJECTS: Record<UpsellSignalName, string> = {
  depletion: 'Burndown upsell: credits run out soon',
  burn_growth: 'Burndown upsell: usage is growing fast',
};

/**
 * Records the signals the account shows now, once per account, signal,
 * credit type and period (the key), and makes a task or a deal for the
 * company's owner for each one not made yet. The key is also the HubSpot
 * object's unique key, so a crash between HubSpot's create and the record
 * below finds the object made the first time. Answers how many it made.
 */
export async function syncUpsellSignals(
  deps: { db: Database; gateway: CrmGateway; clock: () => Date; upsell?: UpsellSettings | undefined },
  target: { accountId: string; companyId: string; ownerId: () => Promise<string | null> },
): Promise<number> {
  const settings = deps.upsell;
  if (!settings || settings.action === 'off') return 0;
  const now = deps.clock();
  const { accountId } = target;
  const period = periodOf(now, settings.period);
  const fired = await upsellSignals(deps.db, accountId, now, settings);
  if (fired.length > 0) {
    await deps.db
      .insertInto('crm_upsell_signals')
      .values(
        fired.map((s) => ({
          signal_key: `${accountId}:upsell:${s.signal}:${s.creditType}:${period}`,
          account_id: accountId,
          signal: s.signal,
          credit_type: s.creditType,
          period,
          action: settings.action as 'task' | 'deal',
          detail: s.detail,
        })),
      )
      .onConflict((oc) => oc.column('signal_key').doNothing())
      .execute();
  }
  const pending = await deps.db
    .selectFrom('crm_upsell_signals')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('status', '=', 'pending')
    .orderBy('created_at')
    .execute();
  for (const row of pending) {
    const ownerId = await target.ownerId();
    const subject = SUBJECTS[row.signal as UpsellSignalName] ?? `Burndown upsell: ${row.signal}`;
    const body = `${row.detail}\n\nBurndown account ${accountId}, ${row.credit_type}, period ${row.period}.`;
    const objectId =
      row.action === 'deal'
        ? await deps.gateway.createDeal({
            key: row.signal_key,
            companyId: target.companyId,
            ownerId,
            name: `${subject} (${accountId}, ${row.credit_type}, ${row.period})`,
            description: body,
            ...settings.deal,
          })
        : await deps.gateway.createTask({ key: row.signal_key, companyId: target.companyId, ownerId, subject, body, dueAt: now });
    await deps.db
      .updateTable('crm_upsell_signals')
      .set({ status: 'created', hubspot_object_id: objectId })
      .where('signal_key', '=', row.signal_key)
      .execute();
  }
  return pending.length;
}
