import type { Config } from '../config/config.js';
import type { LedgerDeps } from '../ledger/index.js';
import { changeEnforcement, enforcementDefaults, readEnforcement, type EnforcementPatch, type StoredEnforcement } from './enforcement.js';
import type { LiveEnforcement } from './live-enforcement.js';

/** What the settings routes call: the stored enforcement settings over the environment's, and this process's live copy. */
export interface SettingsServiceDeps {
  ledger: LedgerDeps;
  config: Config;
  enforcement: LiveEnforcement;
}

const view = (stored: StoredEnforcement) => ({ ...stored, updatedAt: stored.updatedAt?.toISOString() ?? null });

export async function enforcementSettingsOf(deps: SettingsServiceDeps) {
  return view(await readEnforcement(deps.ledger.db, enforcementDefaults(deps.config)));
}

/**
 * Stores a change (null: back to the environment's value). It is in force in
 * this process when this returns, and in every other within seconds (NOTIFY,
 * or their periodic re-read). The answer names each change from → to: it is
 * what the route's audit record keeps.
 */
export async function changeEnforcementSettings(deps: SettingsServiceDeps, patch: EnforcementPatch, actor: string) {
  const { settings, changes } = await changeEnforcement(
    deps.ledger.db,
    enforcementDefaults(deps.config),
    patch,
    actor,
    deps.ledger.clock(),
  );
  await deps.enforcement.refresh();
  return { ...view(settings), changes };
}
