import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { PaymentActivityDeps } from '../../activities/payments.js';
import { paymentIntentSettledSignal, rechargeRequestedSignal, type RechargeInput } from '../contracts/payments.js';
import { rechargeWorkflow } from '../../workflows/payments/recharge.js';
import { rechargeScannerWorkflow } from '../../workflows/payments/recharge-scanner.js';
import type { Config } from '../config/config.js';
import type { LedgerDeps } from '../ledger/index.js';
import type { Core } from '../runtime/core.js';
import type { AreaModule } from '../runtime/module.js';
import { loadCatalog } from './catalog.js';
import { stripeWebhookVerifier, type NotifyRecharge, type PaymentsApiDeps, type PaymentsDeps, type StartRecharge } from './deps.js';
import { createStripeClient, createStripeGateway } from './gateway.js';
import { createRechargeObserver, rechargeWorkflowId, RechargeKicker } from './recharge-trigger.js';

export const RECHARGE_SCAN_SCHEDULE_ID = 'burndown-recharge-scanner';

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

/** stripe-mock's own key: the live key never leaves for the simulated Stripe. */
export const SIMULATED_STRIPE_KEY = 'sk_test_123';
/** Nothing listens on port 9 (discard): unconfigured test-mode payments fail fast, never reaching api.stripe.com. */
const NOWHERE = 'http://127.0.0.1:9';

type StripeConfig = Pick<Config, 'STRIPE_SECRET_KEY' | 'STRIPE_TEST_API_BASE' | 'STRIPE_API_BASE' | 'STRIPE_TIMEOUT_MS'>;

/**
 * Both Stripes: live accounts' (the configured key and host) and test-mode
 * accounts' (the simulated Stripe with its own key, see STRIPE_TEST_API_BASE);
 * gatewayFor picks by the account's mode.
 */
export function stripeGateways(config: StripeConfig) {
  const stripe = createStripeClient({
    secretKey: config.STRIPE_SECRET_KEY,
    apiBase: config.STRIPE_API_BASE,
    timeoutMs: config.STRIPE_TIMEOUT_MS,
  });
  const simulated = createStripeClient({
    secretKey: SIMULATED_STRIPE_KEY,
    apiBase: config.STRIPE_TEST_API_BASE ?? config.STRIPE_API_BASE ?? NOWHERE,
    timeoutMs: config.STRIPE_TIMEOUT_MS,
  });
  return { stripe, gateway: createStripeGateway(stripe), testGateway: createStripeGateway(simulated) };
}

/**
 * Payments, wired: Stripe behind the gateway (live accounts' and the
 * simulated one of test-mode accounts) and the bundle catalog for the
 * routes and the activities; auto-recharge's ledger observer, which marks an
 * (account, credit type) inside the burn's transaction, and this process's
 * kicker, which starts the recharge after the commit; and the scanner
 * Schedule, the safety net for kicks that were lost.
 */
export function createPaymentsModule(core: Core) {
  const { config } = core;
  const startRecharge = rechargeStarter(core.temporal, config.TEMPORAL_TASK_QUEUE, parseRetryDelays(config.RECHARGE_RETRY_DELAYS));
  const kicker = new RechargeKicker();
  kicker.connect(core.db, startRecharge, core.logger);
  const { stripe, gateway, testGateway } = stripeGateways(config);
  const paymentsDeps = async (ledger: LedgerDeps): Promise<PaymentsDeps> => ({
    ledger,
    gateway,
    testGateway,
    catalog: await loadCatalog(config.PAYMENTS_CATALOG_PATH),
  });
  return {
    observers: [createRechargeObserver(kicker.kick)],
    schedules: [
      { scheduleId: RECHARGE_SCAN_SCHEDULE_ID, workflow: rechargeScannerWorkflow, everySeconds: config.RECHARGE_SCAN_INTERVAL_SECONDS },
    ],
    async api(ledger: LedgerDeps): Promise<PaymentsApiDeps> {
      return {
        ...(await paymentsDeps(ledger)),
        verifyWebhook: stripeWebhookVerifier(stripe, config.STRIPE_WEBHOOK_SECRET, config.STRIPE_WEBHOOK_TOLERANCE_SECONDS),
        notifyRecharge: rechargeNotifier(core.temporal),
        taskQueue: config.TEMPORAL_TASK_QUEUE,
      };
    },
    async activities(ledger: LedgerDeps): Promise<PaymentActivityDeps> {
      return { ...(await paymentsDeps(ledger)), startRecharge };
    },
  } satisfies AreaModule<PaymentsApiDeps, PaymentActivityDeps>;
}
