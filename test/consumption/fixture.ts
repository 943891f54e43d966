import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { openLiveEnforcement, type LiveEnforcement } from '../../src/settings/live-enforcement.js';
import { consumptionWorkflowId } from '../../src/consumption/ids.js';
import { consumptionSettings, type ConsumptionDeps, type ConsumptionSettings } from '../../src/consumption/settings.js';
import type { ConsumptionInput } from '../../src/contracts/consumption.js';
import type { MeteringResult } from '../../src/consumption/usage-events/metering.js';
import { issueGrant } from '../../src/ledger/index.js';
import type { LedgerDeps } from '../../src/ledger/context.js';
import { loadPricingCatalog, type PricingCatalog } from '../../src/consumption/pricing/catalog.js';
import { useApi, type ApiFixture } from '../helpers/api.js';
import { actor, newAccount, useLedgerFixture, type LedgerFixture } from '../helpers/ledger.js';
import { useTemporalWorker, type TemporalFixture } from '../helpers/temporal.js';

export const pricingDir = fileURLToPath(new URL('../../pricing/', import.meta.url));

export const defaultSettings: ConsumptionSettings = {
  enforcementMode: 'enforce',
  enforcementRolloutPercent: 100,
  ledgerUnavailablePolicy: 'fail_closed',
  lateEventWindowDays: 7,
};

export interface ConsumptionStack {
  ledger: LedgerFixture;
  temporal: TemporalFixture;
  api: ApiFixture;
  catalog: PricingCatalog;
  consumption: ConsumptionDeps;
}

/**
 * Real PostgreSQL, real Temporal with the Burndown worker (consumption deps
 * included), and the real API pointed at that worker's task queue.
 */
export function useConsumptionStack(
  options: {
    settings?: Partial<ConsumptionSettings>;
    config?: Record<string, string>;
    /** The worker's enforcement settings kept current from the database (LISTEN/NOTIFY), as a deployed worker's are. */
    liveSettings?: boolean;
  } = {},
): ConsumptionStack {
  const stack = {} as ConsumptionStack;
  stack.ledger = useLedgerFixture();
  const settings = { ...defaultSettings, ...options.settings };
  let live: LiveEnforcement | undefined;
  beforeAll(async () => {
    stack.catalog = await loadPricingCatalog(pricingDir);
    if (options.liveSettings) {
      const defaults = {
        mode: settings.enforcementMode,
        rolloutPercent: settings.enforcementRolloutPercent,
        ledgerUnavailablePolicy: settings.ledgerUnavailablePolicy,
      };
      live = await openLiveEnforcement(stack.ledger.deps.db, { defaults, listenUrl: stack.ledger.database.url });
    }
    const config = loadConfig({ BURNDOWN_ENV: 'test', LATE_EVENT_WINDOW_DAYS: String(settings.lateEventWindowDays) });
    stack.consumption = {
      ledger: stack.ledger.deps,
      catalog: stack.catalog,
      settings: live ? consumptionSettings(config, live) : settings,
    };
  });
  afterAll(async () => {
    await live?.close();
  });
  stack.temporal = useTemporalWorker(() => ({ ledger: stack.ledger.deps, consumption: stack.consumption }));
  // Read by useApi's beforeAll, which runs after the worker's: the queue is known by then.
  const apiConfig: Record<string, string> = {
    PRICING_DIR: pricingDir,
    ENFORCEMENT_MODE: settings.enforcementMode,
    ENFORCEMENT_ROLLOUT_PERCENT: String(settings.enforcementRolloutPercent),
    LEDGER_UNAVAILABLE_POLICY: settings.ledgerUnavailablePolicy,
    LATE_EVENT_WINDOW_DAYS: String(settings.lateEventWindowDays),
    ...options.config,
  };
  beforeAll(() => {
    apiConfig.TEMPORAL_TASK_QUEUE = stack.temporal.taskQueue;
  });
  stack.api = useApi(stack.ledger, apiConfig);
  return stack;
}

/** An account with `credits` of the `ai` credit type and optional settings. */
export async function fundedAccount(
  deps: LedgerDeps,
  credits: string | null,
  extra: {
    overdraftLimit?: Record<string, string>;
    enforcementMode?: 'enforce' | 'shadow' | 'off';
    pricingVersion?: string;
    cohort?: string;
    creditType?: string;
  } = {},
): Promise<string> {
  const id = await newAccount(deps, extra.overdraftLimit ? { overdraftLimit: extra.overdraftLimit } : {});
  if (credits !== null)
    await issueGrant(deps, { accountId: id, creditType: extra.creditType ?? 'ai', amount: credits, source: 'purchase' }, actor);
  const patch = {
    ...(extra.enforcementMode && { enforcement_mode: extra.enforcementMode }),
    ...(extra.pricingVersion && { pricing_version: extra.pricingVersion }),
    ...(extra.cohort && { cohort: extra.cohort }),
  };
  if (Object.keys(patch).length > 0) await deps.db.updateTable('accounts').set(patch).where('id', '=', id).execute();
  return id;
}

export const uniqueKey = (prefix = 'k') => `${prefix}-${randomBytes(6).toString('hex')}`;

/** One metering workflow run on the stack's worker: burns what is pending, answers its counts. */
export async function meterOnce(stack: ConsumptionStack): Promise<MeteringResult> {
  const handle = await stack.temporal.client.workflow.start('meteringWorkflow', {
    taskQueue: stack.temporal.taskQueue,
    workflowId: uniqueKey('metering'),
    args: [],
  });
  return (await handle.result()) as MeteringResult;
}

/** A consumption workflow input for tests that start the workflow with the Temporal client directly. */
export function consumptionInput(accountId: string, extra: Partial<ConsumptionInput> = {}): ConsumptionInput {
  const idempotencyKey = extra.idempotencyKey ?? uniqueKey();
  return {
    consumptionId: consumptionWorkflowId(accountId, idempotencyKey),
    accountId,
    feature: 'chat',
    estimate: '1',
    idempotencyKey,
    execute: { mode: 'report' },
    actor: 'test',
    ...extra,
  };
}
