import type { Principal } from './api-keys.js';

/**
 * Who is looking: staff see identities, source addresses, idempotency keys
 * and cost basis; a customer (a key whose only scope is `customer`, or the
 * wallet's session token) gets the customer's views, which leave them out.
 */
export type Viewer = 'staff' | 'customer';

const customerScopes: ReadonlySet<string> = new Set(['customer', 'wallet', 'wallet_recharge']);

export function viewerOf(principal: Principal): Viewer {
  return [...principal.scopes].every((s) => customerScopes.has(s)) ? 'customer' : 'staff';
}
