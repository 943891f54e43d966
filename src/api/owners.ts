import { transactionAccount } from '../audit/service.js';
import { consumptionAccount, holdAccount } from '../consumption/service.js';
import { disputeAccount } from '../disputes/service.js';
import { approvalById } from '../grants/approval-service.js';
import { importMode } from '../imports/service.js';
import { simulationMode } from '../consumption/simulation/simulation-service.js';
import { grantAccount } from '../grants/service.js';
import { deliveryOwner, endpointById } from '../notifications/service.js';
import { purchaseForRefund } from '../payments/service.js';
import type { OwnerLookup } from './route-access.js';

const owner = (resource: string, lookup: OwnerLookup['lookup'], param = 'id'): OwnerLookup => ({ param, resource, lookup });

/**
 * The account each kind of resource belongs to, for routes that name a
 * resource rather than an account (their spec's `access.owner`). A webhook
 * delivery belongs to its endpoint's owner, not to the event's account; a
 * global endpoint (and its deliveries) to no account, only to its mode.
 */
export const ownerOf = {
  transaction: owner('transaction', (deps, id) => transactionAccount(deps, id)),
  consumption: owner('consumption', (deps, id) => consumptionAccount(deps, id)),
  hold: owner('hold', (deps, id) => holdAccount(deps, id)),
  grant: owner('grant', (deps, id) => grantAccount(deps, id)),
  approval: owner('approval', async (deps, id) => (await approvalById(deps, id)).accountId),
  purchase: owner('purchase', async (deps, id) => (await purchaseForRefund(deps, id)).purchase.account_id),
  webhookEndpoint: owner('webhook endpoint', async (deps, id) => {
    const endpoint = await endpointById(deps, id);
    return endpoint.accountId ?? { global: endpoint.mode };
  }),
  dispute: owner('dispute', (deps, id) => disputeAccount(deps, id)),
  import: owner('import', async (deps, id) => ({ global: await importMode(deps, id) })),
  simulation: owner('pricing simulation', async (deps, id) => ({ global: await simulationMode(deps, id) })),
  webhookDelivery: owner('webhook delivery', async (deps, id) => {
    const endpoint = await deliveryOwner(deps, id);
    return endpoint.accountId ?? { global: endpoint.mode };
  }),
};
