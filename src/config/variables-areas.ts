import { z } from 'zod';
import { creditLimitsJson, positiveInt, variable } from './variable-spec.js';
import { crmUpsellVariables } from './variables-crm.js';
import { isFreePlan } from '../grants/plans.js';

const queueName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, _ and -');

/**
 * The settings of the areas (notifications, HubSpot, payments, consumption,
 * grants, finance and audit); src/config/variables.ts lists them after the
 * process's own and before the web UI's.
 */
export const areaVariables = {
  // Notifications (R-I4) and HubSpot (R-I2)
  OUTBOX_RELAY_INTERVAL_SECONDS: variable(
    positiveInt.default(5),
    '2',
    'Fallback timer of the outbox relay loop (webhook deliveries, CRM sync, grant timers): it relays at least this often; a commit that writes outbox events wakes it at once.',
  ),
  OUTBOX_RELAY_GAP_GRACE_SECONDS: variable(
    positiveInt.default(300),
    '120',
    'The relay cursor only moves past an event older than this, so an event whose seq committed late is never skipped.',
  ),
  LOW_BALANCE_DEFAULT_THRESHOLD: variable(
    z.coerce.number().int().min(0).default(0),
    '100',
    'balance.low fires when an account without its own threshold falls below this many whole credits (0: only per-account thresholds).',
  ),
  LOW_BALANCE_REARM_PERCENT: variable(
    z.coerce.number().int().min(0).max(1000).default(20),
    '25',
    'Hysteresis: balance.low re-arms once the balance is back above the threshold plus this percentage.',
  ),
  WEBHOOK_TIMEOUT_SECONDS: variable(positiveInt.default(10), '5', 'Time a customer endpoint has to answer one delivery attempt.'),
  WEBHOOK_RETRY_INITIAL_SECONDS: variable(
    positiveInt.default(30),
    '10',
    'First retry delay of a failed webhook delivery; doubled per attempt, with jitter.',
  ),
  WEBHOOK_RETRY_MAX_INTERVAL_SECONDS: variable(
    positiveInt.default(21_600),
    '3600',
    'Longest delay between two attempts of one webhook delivery.',
  ),
  WEBHOOK_RETRY_MAX_AGE_SECONDS: variable(
    positiveInt.default(259_200),
    '86400',
    'After this long without success a delivery goes to the dead-letter list (default 3 days).',
  ),
  WEBHOOK_BREAKER_FAILURES: variable(positiveInt.default(5), '10', "Consecutive failures that open an endpoint's circuit breaker."),
  WEBHOOK_BREAKER_COOLDOWN_SECONDS: variable(
    positiveInt.default(300),
    '60',
    'How long an open breaker holds deliveries to its endpoint before one probe attempt.',
  ),
  WEBHOOK_SECRET_ROTATION_GRACE_HOURS: variable(
    positiveInt.default(24),
    '72',
    'After a secret rotation the old secret keeps signing (beside the new one) this long.',
  ),
  HUBSPOT_ACCESS_TOKEN: variable(z.string().min(1).optional(), 'pat-na1-…', 'HubSpot private app token. Unset: no CRM sync.'),
  HUBSPOT_BASE_URL: variable(
    z.url().default('https://api.hubapi.com'),
    'http://127.0.0.1:9999',
    'HubSpot API base URL (tests point it at a local fake).',
  ),
  HUBSPOT_WEBHOOK_SECRET: variable(
    z.string().min(1).optional(),
    'b1c2…',
    'Client secret of the HubSpot app; verifies inbound webhooks (signature v3). Unset: inbound webhooks are refused.',
  ),
  CRM_SYNC_DEBOUNCE_SECONDS: variable(
    positiveInt.default(60),
    '300',
    'At most one HubSpot update per account per this many seconds, however many burns.',
  ),
  CRM_RECONCILE_CRON: variable(
    z.string().min(9).default('0 3 * * *'),
    '30 2 * * *',
    'When the nightly HubSpot reconciliation Schedule runs (cron, UTC).',
  ),
  ...crmUpsellVariables,
  // Payments (R-G1, R-G2, R-G8, R-I1)
  STRIPE_SECRET_KEY: variable(
    z
      .string()
      .regex(/^(sk|rk)_(test|live)_/, 'must be a Stripe secret key (sk_test_…, sk_live_…)')
      .default('sk_test_123'),
    'sk_test_51H…',
    "Stripe secret key. The default is stripe-mock's key for development and tests.",
  ),
  STRIPE_API_BASE: variable(
    z.url().optional(),
    'http://127.0.0.1:12111',
    'Overrides the Stripe API host, port and protocol (stripe-mock or a test fake). Unset: api.stripe.com.',
  ),
  STRIPE_TEST_API_BASE: variable(
    z.url().optional(),
    'http://127.0.0.1:12112',
    'The simulated Stripe (stripe-mock) that test-mode accounts pay at, with its own test key, never the live one (docs/TEST-MODE.md). Unset: STRIPE_API_BASE when that is set, else test-mode payments fail (never api.stripe.com). `npm start` sets it.',
  ),
  STRIPE_WEBHOOK_SECRET: variable(
    z.string().startsWith('whsec_').optional(),
    'whsec_…',
    'Signing secret of the Stripe webhook endpoint /v1/webhooks/stripe. Unset: Stripe webhooks are refused.',
  ),
  STRIPE_WEBHOOK_TOLERANCE_SECONDS: variable(
    positiveInt.default(300),
    '300',
    'Oldest webhook signature timestamp accepted (replay protection).',
  ),
  STRIPE_TIMEOUT_MS: variable(
    positiveInt.default(20_000),
    '10000',
    'Timeout of one Stripe API request; a timed-out charge is retried with the same idempotency key.',
  ),
  PAYMENTS_CATALOG_PATH: variable(
    z.string().min(1).default('catalog/bundles.yaml'),
    'catalog/bundles.yaml',
    'The versioned credit bundle catalog (YAML).',
  ),
  RECHARGE_RETRY_DELAYS: variable(
    z
      .string()
      .regex(/^\d+[smhd](,\d+[smhd])*$/, 'must be a comma-separated list of durations like 1h,4h,24h')
      .default('1h,4h,24h'),
    '30m,2h,12h',
    'Waits between auto-recharge attempts after a declined or failed payment; after the last one the recharge gives up.',
  ),
  SUBSCRIPTION_GRACE_DAYS: variable(
    z.coerce.number().int().min(0).max(60).default(7),
    '3',
    'How long a paid subscription keeps trying after its period charge first fails (attempts at the RECHARGE_RETRY_DELAYS, and a last one when the grace ends) before it is paused and subscription.payment_failed goes out. The allotment is issued only once paid.',
  ),
  SIGNUP_PLAN: variable(
    z
      .string()
      .default('')
      .refine((planId) => planId === '' || isFreePlan(planId), 'a plan of the latest plan version with a price of 0 (e.g. free), or empty'),
    'free',
    'The free tier: the plan whose subscription POST /v1/accounts starts for every new account (not for pool members, which share their parent’s credits; never for imports). Must be a plan of the latest version priced 0: a sign-up never charges. Empty (the default): no plan at sign-up, since granting credits to every account created is a liability the operator turns on deliberately.',
  ),
  RECHARGE_SCAN_INTERVAL_SECONDS: variable(
    positiveInt.default(300),
    '60',
    'How often the safety-net Schedule looks for accounts below their auto-recharge threshold.',
  ),
  // Consumption (R-C2..R-C10)
  PRICING_DIR: variable(
    z.string().min(1).default('pricing'),
    '/etc/burndown/pricing',
    'Folder of the versioned pricing rule files (*.yaml), validated at start.',
  ),
  LATE_EVENT_WINDOW_DAYS: variable(
    positiveInt.default(7),
    '3',
    'Usage events older than this (by event time) are rejected with reason late_event.',
  ),
  ENFORCEMENT_MODE: variable(
    z.enum(['enforce', 'shadow', 'off']).default('enforce'),
    'shadow',
    'Global enforcement mode for accounts without their own: enforce, shadow (record, never block) or off (kill switch). The default until PATCH /v1/settings/enforcement stores one.',
  ),
  ENFORCEMENT_ROLLOUT_PERCENT: variable(
    z.coerce.number().int().min(0).max(100).default(100),
    '10',
    'With ENFORCEMENT_MODE=enforce: the share of accounts (by account-id hash) enforced; the others run in shadow. The default until PATCH /v1/settings/enforcement stores one.',
  ),
  LEDGER_UNAVAILABLE_POLICY: variable(
    z.enum(['fail_open', 'fail_closed']).default('fail_closed'),
    'fail_open',
    'When the ledger cannot be reached at reserve time: fail_closed answers 503, fail_open lets the consumption run and burns when the ledger is back. The default until PATCH /v1/settings/enforcement stores one.',
  ),
  // Deduct and holds are charged too, so this caps one account's spending rate: the default sits above what one
  // hot account commits through group commit (the raw hot-row UPDATE rate, ~2,900/s on the 2-core bench machine),
  // so it stops a runaway client, not a busy one (docs/SECURITY.md#rate-limits). It was 50 while it only covered
  // consumptions and usage events.
  RATE_LIMIT_PER_ACCOUNT_PER_SECOND: variable(
    positiveInt.default(5_000),
    '500',
    'Deduct, hold, consumption and usage-event requests per account per second (in-process token bucket, burst of the same size); beyond it 429 with Retry-After. Above what one hot account can commit, so it stops a runaway client, not a busy account.',
  ),
  METERING_INTERVAL_SECONDS: variable(
    positiveInt.default(10),
    '5',
    'Fallback timer of the metering loop: it burns pending usage events at least this often; events accepted by the API wake it at once.',
  ),
  GRANT_EXPIRING_NOTICE_DAYS: variable(
    z.coerce.number().int().min(0).default(7),
    '14',
    'How many days before a grant expires its `grant.expiring` event is written.',
  ),
  GRANT_EXPIRY_SWEEP_INTERVAL_SECONDS: variable(
    positiveInt.default(300),
    '60',
    'How often the Schedule expires active grants past their expiry (the safety net behind per-grant timers).',
  ),
  GRANT_APPROVAL_LIMITS: variable(
    creditLimitsJson('{"support":"1000","admin":"100000"}'),
    '{"support":"500","admin":"50000"}',
    'JSON: per API key scope, the largest support/sales grant issued without approval (credits). Scopes not listed always need approval.',
  ),
  GRANT_APPROVAL_TIMEOUT_HOURS: variable(positiveInt.default(72), '24', 'How long a grant waits for approval before it is rejected.'),
  // Disputes (issue 19): each case's SLA timer escalates it to a named queue when it passes unresolved
  DISPUTE_SLA_HOURS: variable(positiveInt.default(48), '24', 'How long support has to resolve or reject a dispute before it is escalated.'),
  DISPUTE_SLA_BUSINESS_DAYS: variable(
    z.coerce.number().int().min(0).max(30).default(0),
    '2',
    'When above 0, the dispute SLA is this many business days (Monday to Friday, UTC) instead of DISPUTE_SLA_HOURS.',
  ),
  DISPUTE_QUEUE: variable(queueName.default('disputes'), 'support-disputes', 'The queue new dispute cases wait in.'),
  DISPUTE_ESCALATION_QUEUE: variable(
    queueName.default('disputes-escalated'),
    'support-escalations',
    'The queue a dispute moves to when its SLA passes unresolved (dispute.escalated).',
  ),
  IMPORT_BATCH_SIZE: variable(
    z.coerce.number().int().min(1).max(5000).default(500),
    '1000',
    'Rows of a bulk import (POST /v1/imports) processed per database transaction; see docs/IMPORTS.md for the measured effect.',
  ),
  IMPORT_PARALLELISM: variable(
    z.coerce.number().int().min(1).max(16).default(4),
    '2',
    'Grant batches of one bulk import booked side by side (accounts and pricing pins always go one batch at a time).',
  ),
  IMPORT_MAX_FILE_MB: variable(positiveInt.default(64), '128', 'Largest bulk import file (POST /v1/imports) accepted, in MiB.'),
  // Finance and audit (R-I3, R-A2..R-A4); the close waits LATE_EVENT_WINDOW_DAYS for late usage events
  FINANCE_ACCOUNTS_FILE: variable(
    z.string().min(1).default('accounting/accounts.yaml'),
    '/etc/burndown/accounts.yaml',
    'Account-code mapping of the month-end journal and the reporting currency (YAML).',
  ),
  FINANCE_FX_RATES_FILE: variable(
    z.string().min(1).default('accounting/fx-rates.yaml'),
    '/etc/burndown/fx-rates.yaml',
    'Reporting-currency rates per period (YAML); rates set through the API override them.',
  ),
  FINANCE_ADAPTER: variable(
    z.enum(['file', 'http']).default('file'),
    'http',
    'Where a closed journal is posted: `file` writes QuickBooks and Xero CSV plus JSON to FINANCE_EXPORT_DIR; `http` posts to FINANCE_POSTING_URL.',
  ),
  FINANCE_EXPORT_DIR: variable(
    z.string().min(1).default('.data/accounting'),
    '/var/lib/burndown/accounting',
    'Folder the file accounting adapter writes journals to.',
  ),
  FINANCE_POSTING_URL: variable(
    z.url().optional(),
    'https://ledger-gateway.internal/v1',
    'Base URL of the accounting system for the http adapter (lines are POSTed with an Idempotency-Key of period and line id).',
  ),
  FINANCE_POSTING_TOKEN: variable(z.string().min(1).optional(), 'tok_…', 'Bearer token for FINANCE_POSTING_URL.'),
  FINANCE_RECONCILE_CRON: variable(
    z.string().min(9).default('15 2 * * *'),
    '0 4 * * *',
    'When the nightly ledger reconciliation Schedule runs (cron, UTC).',
  ),
  DATA_RETENTION_YEARS: variable(
    z.coerce.number().int().min(1).default(10),
    '7',
    'Retention policy: ledger, journal and audit rows are kept this many years (accounting law); personal data is erased on request sooner (see docs/FINANCE.md).',
  ),
  // What the data-retention Schedule removes (docs/OPERATIONS.md, Retention); the ledger, grants and the chain are kept.
  DATA_RETENTION_CRON: variable(z.string().min(9).default('45 3 * * *'), '0 5 * * *', 'When the data-retention Schedule runs (cron, UTC).'),
  DATA_RETENTION_USAGE_PROPERTIES_DAYS: variable(
    positiveInt.default(400),
    '90',
    'Raw usage-event properties (the payload a product sent) are emptied this many days after receipt, once the event is rated; its feature, quantity, cost and ledger link stay.',
  ),
  DATA_RETENTION_EVENTS_DAYS: variable(
    positiveInt.default(90),
    '30',
    'Outbox events and their webhook deliveries (the bodies sent to endpoints) are deleted this many days after they occurred, once relayed and no delivery is pending; also the window in which an event id is deduplicated.',
  ),
  DATA_RETENTION_AUDIT_IP_DAYS: variable(
    positiveInt.default(180),
    '90',
    'Source IP addresses in the audit log are removed this many days after the action; who did what, when and why stays.',
  ),
} as const;
