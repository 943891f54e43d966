import { sql } from 'kysely';
import type { Config } from '../config/config.js';
import type { Database, Tx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';

export type EnforcementMode = 'enforce' | 'shadow' | 'off';
export type LedgerUnavailablePolicy = 'fail_open' | 'fail_closed';

/** The global enforcement settings (R-C8, R-O2): what every process applies now. */
export interface EnforcementSettings {
  mode: EnforcementMode;
  rolloutPercent: number;
  ledgerUnavailablePolicy: LedgerUnavailablePolicy;
}

export type EnforcementField = keyof EnforcementSettings;
export const enforcementFields = ['mode', 'rolloutPercent', 'ledgerUnavailablePolicy'] as const satisfies readonly EnforcementField[];

/** The environment's enforcement settings: in force for whatever PATCH /v1/settings/enforcement has not stored. */
export function enforcementDefaults(config: Config): EnforcementSettings {
  return {
    mode: config.ENFORCEMENT_MODE,
    rolloutPercent: config.ENFORCEMENT_ROLLOUT_PERCENT,
    ledgerUnavailablePolicy: config.LEDGER_UNAVAILABLE_POLICY,
  };
}

/** The settings with where each value comes from: stored in the database, or the environment's default. */
export interface StoredEnforcement extends EnforcementSettings {
  source: Record<EnforcementField, 'database' | 'environment'>;
  updatedAt: Date | null;
  updatedBy: string | null;
}

/** A change: a value to store, or null for "back to the environment's value". */
export type EnforcementPatch = { [F in EnforcementField]?: EnforcementSettings[F] | null };

/** Every process LISTENs here; the payload is empty: a change is read again, never trusted from the message. */
export const SETTINGS_CHANNEL = 'burndown_settings';

const columns = { mode: 'mode', rolloutPercent: 'rollout_percent', ledgerUnavailablePolicy: 'ledger_unavailable_policy' } as const;

/** What is stored, over the environment's values (`defaults`). One primary-key read. */
export async function readEnforcement(db: Database | Tx, defaults: EnforcementSettings, lock = false): Promise<StoredEnforcement> {
  let query = db.selectFrom('enforcement_settings').selectAll().where('id', '=', true);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  const value = <F extends EnforcementField>(field: F): EnforcementSettings[F] =>
    (row?.[columns[field]] ?? defaults[field]) as EnforcementSettings[F];
  const source = (field: EnforcementField) => (row?.[columns[field]] == null ? 'environment' : 'database');
  return {
    mode: value('mode'),
    rolloutPercent: value('rolloutPercent'),
    ledgerUnavailablePolicy: value('ledgerUnavailablePolicy'),
    source: { mode: source('mode'), rolloutPercent: source('rolloutPercent'), ledgerUnavailablePolicy: source('ledgerUnavailablePolicy') },
    updatedAt: row?.updated_at ?? null,
    updatedBy: row?.updated_by ?? null,
  };
}

export interface EnforcementChange {
  settings: StoredEnforcement;
  /** Each field whose value in force changed: from → to. */
  changes: { field: EnforcementField; from: string | number; to: string | number }[];
}

/**
 * Stores a change and NOTIFYs SETTINGS_CHANNEL in the same transaction, so no
 * process hears of it before it is committed. PATCHes are serialized on the
 * row (created first if absent), so each one's "from" is what it replaced.
 */
export async function changeEnforcement(
  db: Database,
  defaults: EnforcementSettings,
  patch: EnforcementPatch,
  actor: string,
  now: Date,
): Promise<EnforcementChange> {
  return inTransaction(db, async (tx) => {
    await tx
      .insertInto('enforcement_settings')
      .values({ id: true, updated_at: now, updated_by: actor })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    const before = await readEnforcement(tx, defaults, true);
    const set = Object.fromEntries(
      enforcementFields.filter((field) => patch[field] !== undefined).map((field) => [columns[field], patch[field]]),
    );
    await tx
      .updateTable('enforcement_settings')
      .set({ ...set, updated_at: now, updated_by: actor })
      .where('id', '=', true)
      .execute();
    await sql`select pg_notify(${SETTINGS_CHANNEL}, '')`.execute(tx);
    const settings = await readEnforcement(tx, defaults);
    const changes = enforcementFields
      .filter((field) => before[field] !== settings[field])
      .map((field) => ({ field, from: before[field], to: settings[field] }));
    return { settings, changes };
  });
}
