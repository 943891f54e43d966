import { z } from 'zod';
import { positiveInt, variable } from './variable-spec.js';

/** The HubSpot upsell signals' settings (R-I2, src/crm/upsell.ts); variables-areas.ts lists them after the other HubSpot ones. */
export const crmUpsellVariables = {
  CRM_UPSELL_ACTION: variable(
    z.enum(['task', 'deal', 'off']).default('task'),
    'deal',
    "What an upsell signal makes for the company's owner in HubSpot: a task, a deal, or nothing (`off`: no signals).",
  ),
  CRM_UPSELL_DEPLETION_DAYS: variable(
    positiveInt.default(14),
    '7',
    'Depletion signal: the forecast depletion date of a credit type (the balance view’s `depletesAt`) is fewer than this many days away.',
  ),
  CRM_UPSELL_BURN_GROWTH_PERCENT: variable(
    z
      .string()
      .regex(/^\d{1,6}(\.\d{1,2})?$/, 'a decimal percentage with at most 2 decimals, e.g. 50 or 12.5')
      .default('50'),
    '25',
    'Burn-growth signal: the net burn of the last 7 days is at least this many percent above the 7 days before (exact decimal comparison).',
  ),
  CRM_UPSELL_PERIOD: variable(
    z.enum(['day', 'week', 'month']).default('week'),
    'month',
    'Each signal fires at most once per account, credit type and period (UTC day, ISO week or calendar month).',
  ),
  CRM_UPSELL_DEAL_PIPELINE: variable(z.string().min(1).default('default'), 'default', 'HubSpot pipeline of upsell deals.'),
  CRM_UPSELL_DEAL_STAGE: variable(
    z.string().min(1).default('appointmentscheduled'),
    'qualifiedtobuy',
    'HubSpot deal stage (its internal id) upsell deals start in.',
  ),
} as const;
