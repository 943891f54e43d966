import type { Principal } from './api-keys.js';

/**
 * Who is looking: staff see identities, source addresses, idempotency keys
 * and cost basis; a customer (a key whose only scope is `customer`) gets the
 * customer's views, which leave them out.
 */
export type Viewer = 'staff' | 'customer';

export function viewerOf(principal: Principal): Viewer {
  return [...principal.scopes].every((s) => s === 'customer') ? 'customer' : 'staff';
}
