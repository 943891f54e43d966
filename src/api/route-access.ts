import type { z } from 'zod';
import { accountModes } from '../accounts/account-modes.js';
import type { Mode, Principal } from '../auth/api-keys.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import type { ApiDeps } from './deps.js';

/**
 * Which account a request acts on, declared by every route spec; defineRoute
 * enforces it for every key bound to one account (customer keys, and staff or
 * service keys given an account), so no handler has to remember it. Test mode
 * is enforced by the same declaration, for every key: an account of the other
 * mode than the key's (and whatever it owns) is a 404, as if it did not exist
 * (docs/TEST-MODE.md).
 *
 * - `{ global: true }`: names no single account (finance, audit search, keys,
 *   creating accounts); refused to account-bound keys with 403. Such a route
 *   lists or makes data of the key's mode only (ctx.mode). `liveOnly`: it
 *   works on what both modes share or on live data only (the books, credit
 *   types), so test-mode keys get 403.
 * - `{ anyKey: true }`: shows no account's data (catalog, event types).
 * - `{ path, body, query }`: path parameters, top-level body fields or a query
 *   filter that name accounts; each one given must be the key's account, else
 *   404 naming the requested account. An absent body or query field is filled
 *   with the key's own account (ctx.account).
 * - `{ owner }`: the path names a resource whose account is looked up; another
 *   account's (or a global) resource is a 404 naming the requested id, and so
 *   is one of the other mode.
 * - `{ items }`: a batch whose items each name an account; the handler refuses
 *   other accounts' items one by one with ctx.mayUse.
 */
export type RouteAccess =
  | { global: true; liveOnly?: true }
  | { anyKey: true }
  | {
      path?: readonly string[];
      body?: readonly string[];
      query?: string;
      owner?: OwnerLookup;
      items?: { array: string; field: string };
    };

export interface OwnerLookup {
  /** The path parameter holding the resource id. */
  param: string;
  /** Named in the 404: `<resource> <id> was not found`. */
  resource: string;
  /** The resource's account, or for a global resource its own mode; throws NotFoundError when it does not exist. */
  lookup: (deps: ApiDeps, id: string) => Promise<string | { global: Mode }>;
}

/** Field names that always name an account: a route whose input has one must declare it. */
const ACCOUNT_FIELDS = new Set(['accountId', 'parentId', 'customerId']);

function shapeKeys(schema: z.ZodType | undefined): string[] {
  let current: unknown = schema;
  // Unwrap pipes, defaults and the like down to the object, if any.
  for (let i = 0; i < 10 && current; i++) {
    const def = (current as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return [];
    if (def.type === 'object') return Object.keys(def.shape as object);
    current = def.in ?? def.innerType ?? def.schema;
  }
  return [];
}

/**
 * Registration check: a route whose path names an account (`/accounts/{…}`) or
 * whose input has an account field must say how it is authorized, so a new
 * route cannot forget it.
 */
export function checkAccessDeclaration(
  id: string,
  path: string,
  access: RouteAccess,
  parts: { params?: z.ZodType; query?: z.ZodType; body?: z.ZodType },
): void {
  if ('global' in access) return;
  const named: string[] = [];
  const pathAccount = /\/accounts\/\{(\w+)\}/.exec(path)?.[1];
  if (pathAccount) named.push(`path.${pathAccount}`);
  for (const where of ['query', 'body'] as const) {
    for (const key of shapeKeys(parts[where])) if (ACCOUNT_FIELDS.has(key)) named.push(`${where}.${key}`);
  }
  if ('anyKey' in access) {
    if (named.length) throw new Error(`${id}: anyKey, but it names an account (${named.join(', ')}); declare how it is authorized`);
    return;
  }
  const declared = new Set([
    ...(access.path ?? []).map((p) => `path.${p}`),
    ...(access.body ?? []).map((b) => `body.${b}`),
    ...(access.query ? [`query.${access.query}`] : []),
  ]);
  const missing = named.filter((n) => !declared.has(n));
  if (missing.length) throw new Error(`${id}: ${missing.join(', ')} names an account but the route's access does not declare it`);
  if (!access.path?.length && !access.body?.length && !access.query && !access.owner && !access.items) {
    throw new Error(`${id}: access declares no account; use { global: true } or { anyKey: true }`);
  }
}

export interface Authorized {
  /** The account the request acts on (a bound key's own when the route's optional field was absent); null: none or all. */
  account: string | null;
  /** For batches: whether the key may act on this account. */
  mayUse: (accountId: string) => boolean;
}

const field = (value: unknown, name: string): unknown =>
  value && typeof value === 'object' ? (value as Record<string, unknown>)[name] : undefined;

/** The account ids a request names in the places its access declares (path, body, query, batch items). */
function namedAccounts(access: RouteAccess, input: { params: unknown; query: unknown; body: unknown }): string[] {
  if ('global' in access || 'anyKey' in access) return [];
  const named = [
    ...(access.path ?? []).map((p) => field(input.params, p)),
    ...(access.body ?? []).map((b) => field(input.body, b)),
    ...(access.query ? [field(input.query, access.query)] : []),
  ];
  if (access.items) {
    const items = field(input.body, access.items.array);
    if (Array.isArray(items)) for (const item of items) named.push(field(item, access.items.field));
  }
  return [...new Set(named.filter((n): n is string => typeof n === 'string'))];
}

/** The one authorization of account access, run by defineRoute before any handler. */
export async function authorize(
  deps: ApiDeps,
  principal: Principal,
  access: RouteAccess,
  input: { params: unknown; query: unknown; body: unknown },
): Promise<Authorized> {
  const bound = principal.accountId;
  // Accounts of the other mode do not exist for this key. Modes are cached (they never change): no query once an account is known.
  const named = namedAccounts(access, input);
  const modes = named.length ? await accountModes(deps.ledger.db).of(named) : undefined;
  const otherMode = (accountId: string) => modes !== undefined && modes.has(accountId) && modes.get(accountId) !== principal.mode;
  const mayUse = (accountId: string) => (bound === null || bound === accountId) && !otherMode(accountId);
  if ('global' in access) {
    if (bound !== null) throw new ForbiddenError('This endpoint is not available to keys bound to one account');
    if (access.liveOnly && principal.mode !== 'live')
      throw new ForbiddenError('This endpoint works on live data only; use a live-mode key');
    return { account: null, mayUse };
  }
  if ('anyKey' in access) return { account: bound, mayUse };
  const check = (accountId: unknown) => {
    if (typeof accountId === 'string' && !mayUse(accountId)) throw new NotFoundError('account', accountId);
  };
  let account: string | null = null;
  for (const p of access.path ?? []) {
    const value = field(input.params, p);
    check(value);
    account ??= typeof value === 'string' ? value : null;
  }
  for (const b of access.body ?? []) {
    const value = field(input.body, b);
    check(value);
    if (typeof value === 'string' && b === access.body![0]) account ??= value;
  }
  if (access.query) {
    const value = field(input.query, access.query);
    check(value);
    account ??= typeof value === 'string' ? value : null;
  }
  if (access.owner) account ??= await authorizeOwner(deps, principal, access.owner, String(field(input.params, access.owner.param)));
  return { account: account ?? bound, mayUse };
}

/**
 * A resource named by id: its owner must be the bound key's account, and of
 * the key's mode. Every key pays this lookup (one primary-key read), since an
 * unbound key must not reach the other mode's resources either.
 */
async function authorizeOwner(deps: ApiDeps, principal: Principal, owner: OwnerLookup, id: string): Promise<string | null> {
  const found = await owner.lookup(deps, id).catch((error: unknown) => {
    // A missing resource: an unbound key gets the handler's own 404, inside idempotency (stored and replayed).
    if (error instanceof NotFoundError && principal.accountId === null) return undefined;
    throw error instanceof NotFoundError ? new NotFoundError(owner.resource, id) : error;
  });
  if (found === undefined) return null;
  if (typeof found !== 'string') {
    if (principal.accountId !== null || found.global !== principal.mode) throw new NotFoundError(owner.resource, id);
    return null;
  }
  if (principal.accountId !== null && found !== principal.accountId) throw new NotFoundError(owner.resource, id);
  const mode = (await accountModes(deps.ledger.db).of([found])).get(found);
  if (mode !== undefined && mode !== principal.mode) throw new NotFoundError(owner.resource, id);
  return principal.accountId !== null ? found : null;
}
