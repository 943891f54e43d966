import type { Client } from '@temporalio/client';
import type { Principal } from '../auth/api-keys.js';
import type { Config } from '../config/config.js';
import type { LedgerDeps } from '../ledger/index.js';
import type { Logger } from '../logger.js';
import type { LiveEnforcement } from '../settings/live-enforcement.js';
import type { ProblemContext } from './problem.js';
import type { PaymentsApiDeps } from '../payments/deps.js';

/**
 * Everything the API needs, built once by the entry point and handed to
 * createApp. Routes hand it to the area services, each of which declares the
 * part it uses. There is no database here: the services reach it, and the
 * clock, through the ledger's dependencies (one pool, one clock).
 */
export interface ApiDeps {
  config: Config;
  logger: Logger;
  ledger: LedgerDeps;
  temporal: Client;
  /** Verifies a bearer token (throws ExpiredKeyError for an expired one); see createApiKeyVerifier. */
  verifyApiKey: ((token: string) => Promise<Principal | undefined>) & {
    /** Drops a key from this process's cache at once (revoke, roll). */
    evict?: (keyId: string) => void;
    /** A token this process has verified and cached. */
    isKnownGood?: (token: string) => boolean;
    /** Stops its revocation listener. */
    close?: () => Promise<void>;
  };
  problemContext: ProblemContext;
  /**
   * This API process's instance id: its in-flight Idempotency-Key claims carry
   * it, and its revocation listener's session is named apiSessionName(instance),
   * so a retry on another process can tell when this one is gone. Unset: claims
   * are taken over after IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS only.
   */
  instance?: string | undefined;
  /** The global enforcement settings, live (LISTEN/NOTIFY); see openLiveEnforcement. */
  enforcement: LiveEnforcement;
  /** Wakes the metering loop when usage events are accepted (coalesced, never throws); see createWaker. */
  wakeMetering?: (() => void) | undefined;
  /** Stripe purchases, auto-recharge, refunds and webhooks; payment routes answer 503 without it. */
  payments?: PaymentsApiDeps | undefined;
}
