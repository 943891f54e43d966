import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { PaymentActivityDeps } from '../../activities/payments.js';
import { paymentIntentSettledSignal, rechargeRequestedSignal, type RechargeInput } from '../contracts/payments.js';
import { rechargeWorkflow } from '../../workflows/payments/recharge.js';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import type { LedgerDeps, LedgerObserver } from '../ledger/index.js';
import type { Logger } from '../logger.js';
import { stripeWebhookVerifier, type PaymentsApiDeps } from './api-deps.js';
import { loadCatalog } from './catalog.js';
import type { NotifyRecharge, PaymentsDeps, StartRecharge } from './deps.js';
import { createStripeClient, createStripeGateway } from './gateway.js';
import { createRechargeObserver, rechargeWorkflowId, RechargeKicker } from './recharge-trigger.js';

export const RECHARGE_SCAN_SCHEDULE_ID = 'burndown-recharge-scanner';

/**
 * This process's recharge kicker. Inert until connected (startApi/startWorker
 * connect it to their Temporal client); until then the observer's marks are
 * picked up by the scanner Schedule.
 */
const kicker = new RechargeKicker();

/** The ledger observer that marks (account, credit type) for recharge inside the burn's transaction. */
export function rechargeObservers(): LedgerObserver[] {
  return [createRechargeObserver(kicker.kick)];
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** RECHARGE_RETRY_DELAYS ("1h,4h,24h") in milliseconds. */
export function parseRetryDelays(text: string): number[] {
  return text.split(',').map((part) => {
    const match = /^(\d+)([smhd])$/.exec(part.trim());
    if (!match) throw new Error(`bad duration ${part} in RECHARGE_RETRY_DELAYS`);
    return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  });
}

/** Signal-with-start of recharge-<account>-<creditType>: starts it, or signals the one running. */
export function rechargeStarter(temporal: Client, taskQueue: string, retryDelaysMs: number[]): StartRecharge {
  return async (accountId, creditType) => {
    const input: RechargeInput = { accountId, creditType, retryDelaysMs };
    await temporal.workflow.signalWithStart(rechargeWorkflow, {
      workflowId: rechargeWorkflowId(accountId, creditType),
      taskQueue,
      args: [input],
      signal: rechargeRequestedSignal,
      signalArgs: [],
    });
  };
}

/** Forwards a webhook's PaymentIntent outcome to its recharge workflow; a finished workflow needs nothing. */
export function rechargeNotifier(temporal: Client): NotifyRecharge {
  return async (workflowId, update) => {
    try {
      await temporal.workflow.getHandle(workflowId).signal(paymentIntentSettledSignal, update);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  };
}

export async function paymentsDepsFor(
  config: Config,
  ledger: LedgerDeps,
): Promise<PaymentsDeps & { stripe: ReturnType<typeof createStripeClient> }> {
  const stripe = createStripeClient({
    secretKey: config.STRIPE_SECRET_KEY,
    apiBase: config.STRIPE_API_BASE,
    timeoutMs: config.STRIPE_TIMEOUT_MS,
  });
  return { ledger, gateway: createStripeGateway(stripe), catalog: await loadCatalog(config.PAYMENTS_CATALOG_PATH), stripe };
}

export async function paymentsApiDepsFor(
  config: Config,
  core: { ledger: LedgerDeps; db: Database; logger: Logger },
  temporal: Client,
): Promise<PaymentsApiDeps> {
  const { stripe, ...deps } = await paymentsDepsFor(config, core.ledger);
  kicker.connect(
    core.db,
    rechargeStarter(temporal, config.TEMPORAL_TASK_QUEUE, parseRetryDelays(config.RECHARGE_RETRY_DELAYS)),
    core.logger,
  );
  return {
    ...deps,
    verifyWebhook: stripeWebhookVerifier(stripe, config.STRIPE_WEBHOOK_SECRET, config.STRIPE_WEBHOOK_TOLERANCE_SECONDS),
    notifyRecharge: rechargeNotifier(temporal),
    taskQueue: config.TEMPORAL_TASK_QUEUE,
  };
}

export async function paymentActivityDepsFor(
  config: Config,
  core: { ledger: LedgerDeps; db: Database; logger: Logger },
  temporal: Client,
): Promise<PaymentActivityDeps> {
  const { stripe: _stripe, ...deps } = await paymentsDepsFor(config, core.ledger);
  const startRecharge = rechargeStarter(temporal, config.TEMPORAL_TASK_QUEUE, parseRetryDelays(config.RECHARGE_RETRY_DELAYS));
  kicker.connect(core.db, startRecharge, core.logger);
  return { ...deps, startRecharge };
}

/** The scanner Schedule (safety net for auto-recharge triggers); created when missing. */
export async function ensureRechargeScanSchedule(client: Client, taskQueue: string, intervalSeconds: number): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: RECHARGE_SCAN_SCHEDULE_ID,
      spec: { intervals: [{ every: `${intervalSeconds} seconds` }] },
      action: { type: 'startWorkflow', workflowType: 'rechargeScannerWorkflow', taskQueue, args: [] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}
