import type { Database, Tx } from '../db/database.js';
import { fromUnits, getCreditType, toUnits } from '../ledger/index.js';
import { ValidationError } from '../errors.js';
import { divideRounded } from '../money/amount.js';

export interface AlertSettingView {
  accountId: string;
  creditType: string;
  lowThreshold: string;
  rearmAt: string;
}

/**
 * Sets an account's low-balance threshold for one credit type (0 turns
 * balance.low off for it). The re-arm level defaults to threshold ×
 * (100 + rearmPercent) / 100, rounded up to the credit type's smallest unit.
 */
export async function setAlertSetting(
  db: Database | Tx,
  input: { accountId: string; creditType: string; lowThreshold: string; rearmAt?: string | undefined },
  rearmPercent: number,
): Promise<AlertSettingView> {
  const creditType = await getCreditType(db, input.creditType);
  const low = toUnits(creditType, input.lowThreshold, 'lowThreshold', { allowZero: true });
  const rearm =
    input.rearmAt !== undefined
      ? toUnits(creditType, input.rearmAt, 'rearmAt', { allowZero: true })
      : divideRounded(low * BigInt(100 + rearmPercent), 100n, 'up');
  if (rearm < low)
    throw new ValidationError('rearmAt is below lowThreshold', [{ path: 'rearmAt', message: 'must be at least lowThreshold' }]);
  await db
    .insertInto('balance_alert_settings')
    .values({ account_id: input.accountId, credit_type: input.creditType, low_threshold: low, rearm_threshold: rearm })
    .onConflict((oc) =>
      oc.columns(['account_id', 'credit_type']).doUpdateSet({ low_threshold: low, rearm_threshold: rearm, updated_at: new Date() }),
    )
    .execute();
  return {
    accountId: input.accountId,
    creditType: input.creditType,
    lowThreshold: fromUnits(creditType, low),
    rearmAt: fromUnits(creditType, rearm),
  };
}

export async function listAlertSettings(db: Database | Tx, accountId: string): Promise<AlertSettingView[]> {
  const rows = await db
    .selectFrom('balance_alert_settings')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('credit_type')
    .execute();
  return Promise.all(
    rows.map(async (r) => {
      const ct = await getCreditType(db, r.credit_type);
      return {
        accountId,
        creditType: r.credit_type,
        lowThreshold: fromUnits(ct, r.low_threshold),
        rearmAt: fromUnits(ct, r.rearm_threshold),
      };
    }),
  );
}
