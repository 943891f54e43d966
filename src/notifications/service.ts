import { writeAudit, type AuditContext } from '../audit/audit-log.js';
import { secretsKeyOf } from '../auth/secret-box.js';
import type { Config } from '../config/config.js';
import type { Mode } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import { NotFoundError } from '../errors.js';
import type { LedgerDeps } from '../ledger/index.js';
import { requireAccount } from '../ledger/index.js';
import { listAlertSettings, setAlertSetting, type AlertSettingView } from './alert-settings.js';
import { deliveryView, getDelivery, listDeliveries, replayDelivery, type DeliveryFilter, type DeliveryView } from './deliveries.js';
import {
  createEndpoint,
  deleteEndpoint,
  endpointView,
  findEndpoint,
  listEndpoints,
  rotateEndpointSecret,
  type EndpointView,
  type NewEndpoint,
} from './endpoints.js';
import { assertWebhookTarget, type WebhookTargetPolicy } from './webhook-target.js';

/**
 * What the webhook and balance-alert routes call. It needs the database and
 * the clock (the ledger's) and a few settings. Every change is audited in
 * its own transaction.
 */
export interface NotificationsServiceDeps {
  ledger: LedgerDeps;
  config: Pick<
    Config,
    | 'WEBHOOK_SECRET_ROTATION_GRACE_HOURS'
    | 'LOW_BALANCE_REARM_PERCENT'
    | 'BURNDOWN_ENV'
    | 'WEBHOOK_ALLOW_PRIVATE_HOSTS'
    | 'WEBHOOK_MAX_ENDPOINTS_PER_ACCOUNT'
    | 'SECRETS_ENCRYPTION_KEY'
  >;
}

/** Where webhooks may go under this configuration (SSRF defences). */
export function webhookTargetPolicy(config: NotificationsServiceDeps['config']): WebhookTargetPolicy {
  return { httpsOnly: config.BURNDOWN_ENV === 'production', allowPrivateHosts: config.WEBHOOK_ALLOW_PRIVATE_HOSTS };
}

const audited = (
  deps: NotificationsServiceDeps,
  audit: AuditContext,
  record: Omit<Parameters<typeof writeAudit>[1], keyof AuditContext | 'occurredAt'>,
) => ({ ...audit, ...record, occurredAt: deps.ledger.clock() });

/** Registers a webhook endpoint (for one existing account, or for all when accountId is null); its secret is returned once. */
export async function registerEndpoint(deps: NotificationsServiceDeps, endpoint: NewEndpoint, audit: AuditContext) {
  await assertWebhookTarget(endpoint.url, webhookTargetPolicy(deps.config));
  if (endpoint.accountId !== null) await requireAccount(deps.ledger.db, endpoint.accountId);
  return inTransaction(deps.ledger.db, async (tx) => {
    const created = await createEndpoint(tx, endpoint, {
      key: secretsKeyOf(deps.config),
      maxPerAccount: deps.config.WEBHOOK_MAX_ENDPOINTS_PER_ACCOUNT,
    });
    const { secret: _secret, ...after } = created;
    await writeAudit(
      tx,
      audited(deps, audit, {
        action: 'webhook_endpoint.create',
        targetType: 'webhook_endpoint',
        targetId: created.id,
        accountId: created.accountId,
        after,
      }),
    );
    return created;
  });
}

/** Endpoints of one account, or all. */
export function endpoints(deps: NotificationsServiceDeps, accountId: string | null | undefined, mode: Mode): Promise<EndpointView[]> {
  return listEndpoints(deps.ledger.db, accountId, mode);
}

/** One endpoint; NotFoundError for an unknown or deleted one. */
export async function endpointById(deps: NotificationsServiceDeps, endpointId: string): Promise<EndpointView> {
  return endpointView(await findEndpoint(deps.ledger.db, endpointId));
}

/** Deletes an endpoint: no new deliveries; pending ones are cancelled at their next attempt. */
export function removeEndpoint(deps: NotificationsServiceDeps, endpointId: string, audit: AuditContext): Promise<void> {
  return inTransaction(deps.ledger.db, async (tx) => {
    const before = endpointView(await findEndpoint(tx, endpointId));
    await deleteEndpoint(tx, endpointId, deps.ledger.clock());
    await writeAudit(
      tx,
      audited(deps, audit, {
        action: 'webhook_endpoint.delete',
        targetType: 'webhook_endpoint',
        targetId: endpointId,
        accountId: before.accountId,
        before,
      }),
    );
  });
}

/** A new secret; the old one keeps signing beside it for WEBHOOK_SECRET_ROTATION_GRACE_HOURS. */
export function rotateSecret(deps: NotificationsServiceDeps, endpointId: string, audit: AuditContext) {
  return inTransaction(deps.ledger.db, async (tx) => {
    const rotated = await rotateEndpointSecret(
      tx,
      endpointId,
      deps.ledger.clock(),
      deps.config.WEBHOOK_SECRET_ROTATION_GRACE_HOURS,
      secretsKeyOf(deps.config),
    );
    const { secret: _secret, ...after } = rotated;
    await writeAudit(
      tx,
      audited(deps, audit, {
        action: 'webhook_endpoint.rotate_secret',
        targetType: 'webhook_endpoint',
        targetId: endpointId,
        accountId: rotated.accountId,
        after,
      }),
    );
    return rotated;
  });
}

/** Deliveries, newest first (status failed: the dead-letter list). */
export function deliveries(deps: NotificationsServiceDeps, filter: DeliveryFilter) {
  return listDeliveries(deps.ledger.db, filter);
}

/** One delivery; NotFoundError for an unknown id. */
export async function deliveryById(deps: NotificationsServiceDeps, deliveryId: string): Promise<DeliveryView> {
  return deliveryView(await getDelivery(deps.ledger.db, deliveryId));
}

/** The account a delivery belongs to: its endpoint's owner (null: a global endpoint), never the event's account. */
export async function deliveryOwner(deps: NotificationsServiceDeps, deliveryId: string): Promise<{ accountId: string | null; mode: Mode }> {
  const row = await deps.ledger.db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as w', 'w.id', 'd.endpoint_id')
    .select(['w.account_id', 'w.mode'])
    .where('d.id', '=', deliveryId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('webhook delivery', deliveryId);
  return { accountId: row.account_id, mode: row.mode };
}

/** Queues a failed or cancelled delivery again, with a fresh retry schedule. */
export function replay(deps: NotificationsServiceDeps, deliveryId: string, audit: AuditContext): Promise<DeliveryView> {
  return inTransaction(deps.ledger.db, async (tx) => {
    const replayed = await replayDelivery(tx, deliveryId);
    await writeAudit(
      tx,
      audited(deps, audit, {
        action: 'webhook_delivery.replay',
        targetType: 'webhook_delivery',
        targetId: deliveryId,
        accountId: replayed.accountId,
        after: replayed,
      }),
    );
    return replayed;
  });
}

/** Sets the low-balance threshold of one credit type of an existing account. */
export async function setBalanceAlert(
  deps: NotificationsServiceDeps,
  setting: { accountId: string; creditType: string; lowThreshold: string; rearmAt?: string | undefined },
  audit: AuditContext,
): Promise<AlertSettingView> {
  await requireAccount(deps.ledger.db, setting.accountId);
  return inTransaction(deps.ledger.db, async (tx) => {
    const before = (await listAlertSettings(tx, setting.accountId)).find((s) => s.creditType === setting.creditType) ?? null;
    const saved = await setAlertSetting(tx, setting, deps.config.LOW_BALANCE_REARM_PERCENT);
    await writeAudit(
      tx,
      audited(deps, audit, {
        action: 'balance_alert.set',
        targetType: 'account',
        targetId: setting.accountId,
        accountId: setting.accountId,
        before,
        after: saved,
      }),
    );
    return saved;
  });
}

/** The low-balance thresholds of an existing account. */
export async function balanceAlertsOf(deps: NotificationsServiceDeps, accountId: string): Promise<AlertSettingView[]> {
  await requireAccount(deps.ledger.db, accountId);
  return listAlertSettings(deps.ledger.db, accountId);
}
