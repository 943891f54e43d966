import { html } from 'lit';
import { BurndownClient, type Me } from '../shared/api.js';

/**
 * The console's sign-in: a support, approver, finance or admin API key,
 * kept in sessionStorage (this tab, until it closes), never localStorage, so
 * it is not left behind on a shared machine.
 */
const KEY = 'burndown.console.key';

export interface Session {
  client: BurndownClient;
  me: Me;
}

export const can = {
  readAccounts: (me: Me) => ['admin', 'support', 'finance'].some((s) => me.scopes.includes(s)),
  actOnAccounts: (me: Me) => ['admin', 'support'].some((s) => me.scopes.includes(s)),
  seeApprovals: (me: Me) => ['admin', 'support', 'approver'].some((s) => me.scopes.includes(s)),
  decideApprovals: (me: Me) => ['admin', 'approver'].some((s) => me.scopes.includes(s)),
  finance: (me: Me) => ['admin', 'finance'].some((s) => me.scopes.includes(s)),
};

export async function signIn(key: string): Promise<Session> {
  const client = new BurndownClient(location.origin, key);
  const me = await client.me();
  sessionStorage.setItem(KEY, key);
  return { client, me };
}

export async function resume(): Promise<Session | undefined> {
  const key = sessionStorage.getItem(KEY);
  if (!key) return undefined;
  try {
    return await signIn(key);
  } catch {
    sessionStorage.removeItem(KEY);
    return undefined;
  }
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}

/** Client-side navigation inside /console; views read location.pathname. */
export function navigate(path: string): void {
  history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** A link inside the console that navigates without a page load. */
export function consoleLink(path: string, label: string) {
  return html`<a
    href=${path}
    @click=${(e: MouseEvent) => {
      e.preventDefault();
      navigate(path);
    }}
    >${label}</a
  >`;
}
