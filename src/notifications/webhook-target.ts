import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { promisify } from 'node:util';
import ipaddr from 'ipaddr.js';
import { Agent } from 'undici';
import { ValidationError } from '../errors.js';

/**
 * SSRF defences of customer webhook URLs (issue 14): a delivery may only
 * reach a public unicast address. Checked when an endpoint is registered and
 * again at connect time, on the address actually dialled, so a name that
 * resolves to a private address at delivery (DNS rebinding) is refused too.
 * Address classes come from ipaddr.js; nothing here is a hand-written regex.
 */
export interface WebhookTargetPolicy {
  /** BURNDOWN_ENV=production: https only. */
  httpsOnly: boolean;
  /** WEBHOOK_ALLOW_PRIVATE_HOSTS: names or addresses let through although private (development). */
  allowPrivateHosts: readonly string[];
}

export class BlockedTargetError extends Error {
  readonly code = 'EBLOCKEDTARGET';
  constructor(message: string) {
    super(message);
    this.name = 'BlockedTargetError';
  }
}

/** Why an address may not be dialled (loopback, private, link-local, metadata …), or null for a public unicast one. */
export function blockedRange(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  return range === 'unicast' ? null : range;
}

const bareHost = (hostname: string) => hostname.replace(/^\[|\]$/g, '').toLowerCase();

function allowed(policy: WebhookTargetPolicy, ...names: string[]): boolean {
  return names.some((n) => policy.allowPrivateHosts.includes(bareHost(n)));
}

/** The URL's own checks (scheme; a literal address's class), without DNS. */
export function checkUrl(url: URL, policy: WebhookTargetPolicy): string | null {
  if (url.protocol !== 'https:' && (policy.httpsOnly || url.protocol !== 'http:')) {
    return policy.httpsOnly ? 'must be an https URL in production' : 'must be an http(s) URL';
  }
  if (url.username || url.password) return 'must not carry credentials';
  const host = bareHost(url.hostname);
  if (ipaddr.isValid(host)) {
    const blocked = blockedRange(host);
    if (blocked && !allowed(policy, host)) return `points at a ${blocked} address (${host}); only public addresses are allowed`;
  }
  return null;
}

const lookupAll = promisify(dnsLookup);

/**
 * At registration: the scheme, a literal address, and what the name resolves
 * to now. A name that does not resolve is accepted (it may not exist yet);
 * the connect-time check decides at each delivery.
 */
export async function assertWebhookTarget(raw: string, policy: WebhookTargetPolicy): Promise<void> {
  const refuse = (message: string) =>
    new ValidationError('The webhook URL is not allowed', [{ path: 'url', message, code: 'url_not_allowed' }]);
  const url = new URL(raw);
  const problem = checkUrl(url, policy);
  if (problem) throw refuse(problem);
  const host = bareHost(url.hostname);
  if (ipaddr.isValid(host) || allowed(policy, host)) return;
  const addresses = await lookupAll(host, { all: true }).catch(() => [] as LookupAddress[]);
  for (const { address } of addresses) {
    const blocked = blockedRange(address);
    if (blocked && !allowed(policy, address)) throw refuse(`${host} resolves to a ${blocked} address (${address})`);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A dns.lookup that refuses private answers: the connect-time check. Node
 * calls it with `all: true` when it races IPv4 and IPv6, so both shapes are
 * answered. `resolve` is injectable for tests.
 */
export function guardedLookup(policy: WebhookTargetPolicy, resolve: typeof dnsLookup = dnsLookup) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname, { ...options, all: true }, (error, list) => {
      if (error) return callback(error, []);
      const bad = list.find(({ address }) => blockedRange(address) && !allowed(policy, hostname, address));
      if (bad) {
        return callback(new BlockedTargetError(`${hostname} resolves to a ${blockedRange(bad.address)} address; refused`), []);
      }
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} did not resolve`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}

/** The HTTP client of webhook deliveries: every connection goes through the guarded lookup. */
export function webhookDispatcher(policy: WebhookTargetPolicy, resolve?: typeof dnsLookup): Agent {
  return new Agent({ connect: { lookup: guardedLookup(policy, resolve) }, keepAliveTimeout: 10_000 });
}
