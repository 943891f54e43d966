import { requireAccount, type LedgerDeps } from '../ledger/index.js';
import type { Mode, SessionScope } from './api-keys.js';
import { issueSessionToken, type IssuedSessionToken } from './session-tokens.js';

/**
 * What the auth routes call: browser session tokens for an existing account.
 * It needs the database (the ledger's) and the longest lifetime allowed.
 */
export interface AuthServiceDeps {
  ledger: LedgerDeps;
  config: { SESSION_TOKEN_TTL_SECONDS: number };
}

/**
 * A session token bound to an existing account: scope `wallet` (read it, buy
 * credits), plus `wallet_recharge` when the issuer lets the wallet change
 * auto-recharge. Its lifetime is the one asked for, never more than
 * SESSION_TOKEN_TTL_SECONDS.
 */
export async function issueAccountSessionToken(
  deps: AuthServiceDeps,
  input: { accountId: string; autoRecharge: boolean; ttlSeconds?: number | undefined; issuedByKeyId: string; mode: Mode },
): Promise<IssuedSessionToken> {
  await requireAccount(deps.ledger.db, input.accountId);
  const scopes: SessionScope[] = input.autoRecharge ? ['wallet', 'wallet_recharge'] : ['wallet'];
  const longest = deps.config.SESSION_TOKEN_TTL_SECONDS;
  return issueSessionToken(deps.ledger.db, {
    accountId: input.accountId,
    scopes,
    ttlSeconds: Math.min(input.ttlSeconds ?? longest, longest),
    issuedByKeyId: input.issuedByKeyId,
    mode: input.mode,
  });
}
