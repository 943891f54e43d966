import { z } from 'zod';
import { requireAccount } from '../../ledger/index.js';
import { listAlertSettings, setAlertSetting } from '../../notifications/alert-settings.js';
import type { DefineRoute } from '../route.js';
import { accountIdParams, creditTypeId, decimalString } from '../schemas/common.js';

const settingSchema = z
  .object({ accountId: z.string(), creditType: z.string(), lowThreshold: decimalString, rearmAt: decimalString })
  .meta({ id: 'BalanceAlertSetting' });

export function registerBalanceAlertRoutes(define: DefineRoute): void {
  define({
    method: 'post',
    path: '/v1/accounts/{id}/balance-alerts',
    summary: 'Set the low-balance threshold of one credit type',
    description:
      'balance.low fires once when the balance drops below lowThreshold and re-arms only when it is back at rearmAt or above (hysteresis). Default rearmAt: lowThreshold plus LOW_BALANCE_REARM_PERCENT, rounded up. 0 turns it off.',
    tags: ['Webhooks'],
    scopes: ['admin', 'service', 'support', 'customer'],
    params: accountIdParams,
    body: z.object({ creditType: creditTypeId, lowThreshold: decimalString, rearmAt: decimalString.optional() }),
    idempotent: true,
    responses: { 200: { description: 'Saved', schema: settingSchema } },
    handler: async ({ deps, params, body, authorizeAccount }) => {
      authorizeAccount(params.id);
      await requireAccount(deps.db, params.id);
      return {
        status: 200,
        body: await setAlertSetting(deps.db, { accountId: params.id, ...body }, deps.config.LOW_BALANCE_REARM_PERCENT),
      };
    },
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/balance-alerts',
    summary: 'Low-balance thresholds of an account',
    description: 'Credit types without a row use LOW_BALANCE_DEFAULT_THRESHOLD.',
    tags: ['Webhooks'],
    scopes: ['admin', 'service', 'support', 'finance', 'customer'],
    params: accountIdParams,
    responses: { 200: { description: 'Settings', schema: z.object({ data: z.array(settingSchema) }) } },
    handler: async ({ deps, params, authorizeAccount }) => {
      authorizeAccount(params.id);
      await requireAccount(deps.db, params.id);
      return { status: 200, body: { data: await listAlertSettings(deps.db, params.id) } };
    },
  });
}
