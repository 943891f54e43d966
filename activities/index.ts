import type { LedgerDeps } from '../src/ledger/index.js';
import { createLedgerActivities } from './ledger.js';
import { createFinanceActivities } from './finance.js';
import { createNotificationActivities } from './notifications.js';
import { createEmailActivities } from './email.js';
import { createCrmActivities } from './crm.js';
import { createGrantActivities } from './grants.js';
import { createConsumptionActivities } from './consumption.js';
import { createPaymentActivities, type PaymentActivityDeps } from './payments.js';
import { createAuditActivities, type AuditActivityDeps } from './audit.js';
import { createDisputeActivities } from './disputes.js';
import { createImportActivities } from './imports.js';
import { createPricingActivities } from './pricing.js';
import type { ConsumptionDeps } from '../src/consumption/settings.js';
import type { CrmSyncDeps } from '../src/crm/sync.js';
import type { FinanceSettings } from '../src/finance/settings.js';
import type { NotificationDeps } from './notifications.js';

/** What activities may use; built once by the worker entry point. */
export interface ActivityDeps {
  ledger: LedgerDeps;
  finance?: FinanceSettings | undefined;
  /** Stripe gateway, catalog and recharge starter; absent in workers that do not take payments. */
  payments?: PaymentActivityDeps | undefined;
  consumption?: ConsumptionDeps;
  notifications?: NotificationDeps | undefined;
  crm?: CrmSyncDeps | undefined;
  /** The anchor key and database of the ledger-anchor Schedule's activity. */
  audit?: AuditActivityDeps | undefined;
}

/** All activities of the Burndown worker, one factory per area. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createLedgerActivities(deps),
    ...createFinanceActivities(deps),
    ...createNotificationActivities(deps),
    ...createEmailActivities(deps),
    ...createCrmActivities(deps),
    ...createGrantActivities(deps),
    ...createConsumptionActivities(deps),
    ...createPaymentActivities(deps),
    ...createAuditActivities(deps),
    ...createDisputeActivities(deps),
    ...createImportActivities(deps),
    ...createPricingActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
