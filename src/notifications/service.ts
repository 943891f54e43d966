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

/**
 * What the webhook and balance-alert routes call. It needs the database and
 * the clock (the ledger's) and two settings.
 */
export interface NotificationsServiceDeps {
  ledger: LedgerDeps;
  config: { WEBHOOK_SECRET_ROTATION_GRACE_HOURS: number; LOW_BALANCE_REARM_PERCENT: number };
}

/** Registers a webhook endpoint (for one existing account, or for all when accountId is null); its secret is returned once. */
export async function registerEndpoint(deps: NotificationsServiceDeps, endpoint: NewEndpoint) {
  if (endpoint.accountId !== null) await requireAccount(deps.ledger.db, endpoint.accountId);
  return createEndpoint(deps.ledger.db, endpoint);
}

/** Endpoints of one account, or all. */
export function endpoints(deps: NotificationsServiceDeps, accountId: string | null | undefined): Promise<EndpointView[]> {
  return listEndpoints(deps.ledger.db, accountId);
}

/** One endpoint; NotFoundError for an unknown or deleted one. */
export async function endpointById(deps: NotificationsServiceDeps, endpointId: string): Promise<EndpointView> {
  return endpointView(await findEndpoint(deps.ledger.db, endpointId));
}

/** Deletes an endpoint: no new deliveries; pending ones are cancelled at their next attempt. */
export function removeEndpoint(deps: NotificationsServiceDeps, endpointId: string): Promise<void> {
  return deleteEndpoint(deps.ledger.db, endpointId, deps.ledger.clock());
}

/** A new secret; the old one keeps signing beside it for WEBHOOK_SECRET_ROTATION_GRACE_HOURS. */
export function rotateSecret(deps: NotificationsServiceDeps, endpointId: string) {
  return rotateEndpointSecret(deps.ledger.db, endpointId, deps.ledger.clock(), deps.config.WEBHOOK_SECRET_ROTATION_GRACE_HOURS);
}

/** Deliveries, newest first (status failed: the dead-letter list). */
export function deliveries(deps: NotificationsServiceDeps, filter: DeliveryFilter) {
  return listDeliveries(deps.ledger.db, filter);
}

/** One delivery; NotFoundError for an unknown id. */
export async function deliveryById(deps: NotificationsServiceDeps, deliveryId: string): Promise<DeliveryView> {
  return deliveryView(await getDelivery(deps.ledger.db, deliveryId));
}

/** Queues a failed or cancelled delivery again, with a fresh retry schedule. */
export function replay(deps: NotificationsServiceDeps, deliveryId: string): Promise<DeliveryView> {
  return replayDelivery(deps.ledger.db, deliveryId);
}

/** Sets the low-balance threshold of one credit type of an existing account. */
export async function setBalanceAlert(
  deps: NotificationsServiceDeps,
  setting: { accountId: string; creditType: string; lowThreshold: string; rearmAt?: string | undefined },
): Promise<AlertSettingView> {
  await requireAccount(deps.ledger.db, setting.accountId);
  return setAlertSetting(deps.ledger.db, setting, deps.config.LOW_BALANCE_REARM_PERCENT);
}

/** The low-balance thresholds of an existing account. */
export async function balanceAlertsOf(deps: NotificationsServiceDeps, accountId: string): Promise<AlertSettingView[]> {
  await requireAccount(deps.ledger.db, accountId);
  return listAlertSettings(deps.ledger.db, accountId);
}
