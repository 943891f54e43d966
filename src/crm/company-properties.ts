import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import { getBalances, getCreditType, listCreditTypes } from '../ledger/index.js';
import { divideRounded, formatAmount, parseAmount } from '../money/amount.js';
import type { CrmPropertyDefinition } from './gateway.js';

/**
 * The Burndown-owned properties on a HubSpot company (R-I2). Burndown writes
 * them and overwrites any edit made in HubSpot (reconciliation repairs drift);
 * HubSpot owns everything else. Per credit type: balance, credits expiring in
 * 30 days, 7-day burn rate (credits per day) and days to depletion at that
 * rate; per account: low-balance flag, auto-recharge status, last purchase.
 */
export const PROPERTY_GROUP = { name: 'burndown', label: 'Burndown credits' };

const slug = (creditType: string) => creditType.replace(/[^a-z0-9]/g, '_');
export const perTypeProperty = {
  balance: (ct: string) => `burndown_balance_${slug(ct)}`,
  expiring30d: (ct: string) => `burndown_expiring_30d_${slug(ct)}`,
  burnRate7d: (ct: string) => `burndown_burn_rate_7d_${slug(ct)}`,
  daysToDepletion: (ct: string) => `burndown_days_to_depletion_${slug(ct)}`,
};
export const accountProperty = {
  accountId: 'burndown_account_id',
  lowBalance: 'burndown_low_balance',
  autoRecharge: 'burndown_auto_recharge_status',
  lastPurchaseAt: 'burndown_last_purchase_at',
  lastPurchase: 'burndown_last_purchase',
};

export function propertyDefinitions(creditTypes: { id: string; name: string }[]): CrmPropertyDefinition[] {
  const defs: CrmPropertyDefinition[] = [
    {
      name: accountProperty.accountId,
      label: 'Burndown account id',
      type: 'string',
      fieldType: 'text',
      description: 'The Burndown account linked to this company.',
    },
    {
      name: accountProperty.lowBalance,
      label: 'Burndown low balance',
      type: 'enumeration',
      fieldType: 'booleancheckbox',
      description: 'Some credit type is below its low-balance threshold or depleted.',
      options: [
        { label: 'Yes', value: 'true' },
        { label: 'No', value: 'false' },
      ],
    },
    {
      name: accountProperty.autoRecharge,
      label: 'Burndown auto-recharge status',
      type: 'string',
      fieldType: 'text',
      description: 'Outcome of the latest auto-recharge: succeeded, failed, or none.',
    },
    {
      name: accountProperty.lastPurchaseAt,
      label: 'Burndown last purchase at',
      type: 'datetime',
      fieldType: 'date',
      description: 'When credits were last bought (purchase or recharge).',
    },
    {
      name: accountProperty.lastPurchase,
      label: 'Burndown last purchase',
      type: 'string',
      fieldType: 'text',
      description: 'Credits and type of the last purchase.',
    },
  ];
  for (const ct of creditTypes) {
    defs.push(
      {
        name: perTypeProperty.balance(ct.id),
        label: `${ct.name}: balance`,
        type: 'number',
        fieldType: 'number',
        description: `Available ${ct.name}.`,
      },
      {
        name: perTypeProperty.expiring30d(ct.id),
        label: `${ct.name}: expiring in 30 days`,
        type: 'number',
        fieldType: 'number',
        description: `${ct.name} that expire within 30 days.`,
      },
      {
        name: perTypeProperty.burnRate7d(ct.id),
        label: `${ct.name}: 7-day burn rate`,
        type: 'number',
        fieldType: 'number',
        description: `Average ${ct.name} burned per day over the last 7 days.`,
      },
      {
        name: perTypeProperty.daysToDepletion(ct.id),
        label: `${ct.name}: days to depletion`,
        type: 'number',
        fieldType: 'number',
        description: `Whole days until the balance runs out at the 7-day burn rate; empty when nothing was burned.`,
      },
    );
  }
  return defs;
}

const DAY_MS = 86_400_000;

/** The values of the Burndown-owned properties for one account, from the ledger, as HubSpot strings. */
export async function companyPropertyValues(db: Database, accountId: string, now: Date): Promise<Record<string, string>> {
  const values: Record<string, string> = { [accountProperty.accountId]: accountId };
  const balances = await getBalances(db, accountId, now);
  const burned = await sql<{ credit_type: string; burned: bigint }>`
    select credit_type, coalesce(sum(abs(amount)), 0)::int8 as burned from ledger_entries
    where account_id = ${accountId} and entry_type in ('burn', 'commit') and created_at > ${new Date(now.getTime() - 7 * DAY_MS)}
    group by credit_type`.execute(db);
  const horizon = new Date(now.getTime() + 30 * DAY_MS);
  for (const b of balances.balances) {
    const { precision } = await getCreditType(db, b.creditType);
    const available = parseAmount(b.available.replace(/^-/, ''), precision) * (b.available.startsWith('-') ? -1n : 1n);
    const expiring = b.grants
      .filter((g) => g.accountId === accountId && g.expiresAt !== null && new Date(g.expiresAt) <= horizon)
      .reduce((sum, g) => sum + parseAmount(g.remaining, precision), 0n);
    const burned7d = burned.rows.find((r) => r.credit_type === b.creditType)?.burned ?? 0n;
    values[perTypeProperty.balance(b.creditType)] = b.available;
    values[perTypeProperty.expiring30d(b.creditType)] = formatAmount(expiring, precision);
    // Rate per day, rounded half-even to the credit type's smallest unit.
    values[perTypeProperty.burnRate7d(b.creditType)] = formatAmount(divideRounded(BigInt(burned7d), 7n, 'half_even'), precision);
    // available / (burned / 7), in whole days, rounded down (the conservative answer).
    values[perTypeProperty.daysToDepletion(b.creditType)] =
      BigInt(burned7d) === 0n ? '' : (available <= 0n ? 0n : divideRounded(available * 7n, BigInt(burned7d), 'down')).toString();
  }

  const alert = await db
    .selectFrom('balance_alert_state')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('account_id', '=', accountId)
    .where((eb) => eb.or([eb('low_active', '=', true), eb('depleted_active', '=', true)]))
    .executeTakeFirstOrThrow();
  values[accountProperty.lowBalance] = Number(alert.n) > 0 ? 'true' : 'false';

  const latest = (types: string[]) =>
    db
      .selectFrom('outbox_events')
      .select(['type', 'occurred_at', 'payload'])
      .where('account_id', '=', accountId)
      .where('type', 'in', types)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
  const recharge = await latest(['recharge.succeeded', 'recharge.failed']);
  values[accountProperty.autoRecharge] = recharge ? recharge.type.slice('recharge.'.length) : 'none';
  const purchase = await latest(['purchase.succeeded', 'recharge.succeeded']);
  const p = (purchase?.payload ?? {}) as { credits?: string; creditType?: string };
  values[accountProperty.lastPurchaseAt] = purchase ? purchase.occurred_at.toISOString() : '';
  values[accountProperty.lastPurchase] = purchase ? [p.credits, p.creditType].filter(Boolean).join(' ') : '';
  return values;
}

export async function allPropertyDefinitions(db: Database): Promise<CrmPropertyDefinition[]> {
  return propertyDefinitions(await listCreditTypes(db));
}
