import { CrmRateLimitedError, CrmRejectedError, CrmUnavailableError } from './gateway.js';

const DEFAULT_RETRY_AFTER_SECONDS = 10;

function statusOf(error: unknown): number | null {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : null;
}

/** Maps the SDK's ApiException onto the gateway's three kinds of failure. */
function translate(error: unknown): Error {
  const status = statusOf(error);
  if (status === 429) {
    const header = (error as { headers?: Record<string, string> }).headers?.['retry-after'];
    const seconds = header !== undefined && /^\d+$/.test(header.trim()) ? Number(header) : DEFAULT_RETRY_AFTER_SECONDS;
    return new CrmRateLimitedError(seconds);
  }
  if (status === null || status >= 500)
    return new CrmUnavailableError(status, error instanceof Error ? error.message.split('\n')[0]! : String(error));
  return new CrmRejectedError(status, error instanceof Error ? error.message.split('\n').slice(0, 2).join(' ') : String(error));
}

/** One SDK call, its failure translated. */
export async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw translate(error);
  }
}

/** null for a 404 (the object is not there), the value otherwise; other failures propagate. */
export function orNotFound<T>(promise: Promise<T>): Promise<T | null> {
  return promise.catch((error: unknown) => {
    if (error instanceof CrmRejectedError && error.status === 404) return null;
    throw error;
  });
}

/**
 * Creates an object at most once per key, HubSpot taking no idempotency key:
 * the object carries the key in a unique-value property, so it is read by key
 * first (a create that landed before a crash is found), and a racing second
 * create's 409 resolves to the winner.
 */
export async function createOncePerKey(steps: { byKey: () => Promise<string | null>; create: () => Promise<string> }): Promise<string> {
  const existing = await steps.byKey();
  if (existing) return existing;
  return steps.create().catch(async (error: unknown) => {
    const winner = error instanceof CrmRejectedError && error.status === 409 ? await steps.byKey() : null;
    if (winner) return winner;
    throw error;
  });
}
