import type { LedgerDeps } from '../ledger/index.js';
import type { Catalog } from './catalog.js';
import type { PaymentGateway } from './gateway.js';

/** What payment logic needs: the ledger (database and clock), Stripe behind the gateway, and the catalog. */
export interface PaymentsDeps {
  ledger: LedgerDeps;
  gateway: PaymentGateway;
  catalog: Catalog;
}

/** The Temporal side of auto-recharge, kept behind a function so payment logic never sees a client. */
export type StartRecharge = (accountId: string, creditType: string) => Promise<void>;

/** Tells a running recharge workflow that one of its PaymentIntents settled (from a webhook). */
export type NotifyRecharge = (workflowId: string, update: { paymentIntentId: string; status: 'succeeded' | 'failed' }) => Promise<void>;
