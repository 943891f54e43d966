import { html, LitElement, type PropertyValues } from 'lit';
import { ApiError, BurndownClient, describeError } from '../shared/api.js';
import { defaultLocale } from '../shared/format.js';
import { theme } from '../shared/theme.js';

/** Fired on the document by any part after something changed the account (a purchase); every part reloads. */
export const CHANGED = 'burndown-account-changed';

/**
 * What every wallet part shares: its attributes (api-base, token, account-id,
 * locale), one API client, the account it shows, and one way of saying what
 * went wrong. A part inside <burndown-wallet> gets the wallet's client and
 * account; a part used alone makes its own from its attributes.
 *
 * The account is the `account-id` attribute when given, else the session
 * token's own account (GET /v1/me). A token for another account never shows
 * that account: the API answers 404 for the account asked for, and the part
 * shows a message instead of data.
 */
export abstract class WalletPart extends LitElement {
  static override properties = {
    apiBase: { attribute: 'api-base' },
    token: {},
    accountId: { attribute: 'account-id' },
    locale: {},
    client: { attribute: false },
    failure: { state: true },
  };
  declare apiBase: string;
  declare token: string;
  declare accountId: string | undefined;
  declare locale: string;
  declare client: BurndownClient | undefined;
  declare failure: string | undefined;
  /** The account resolved by the last load (not reactive: resolving it must not trigger another load). */
  protected resolved: string | undefined;
  private onChanged = () => void this.reload();

  static override styles = [theme];

  constructor() {
    super();
    this.apiBase = '';
    this.token = '';
    this.locale = defaultLocale();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener(CHANGED, this.onChanged);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener(CHANGED, this.onChanged);
  }

  protected override willUpdate(changed: PropertyValues): void {
    if ((changed.has('apiBase') || changed.has('token')) && this.apiBase && this.token && !changed.has('client')) {
      this.client = new BurndownClient(this.apiBase, this.token);
    }
  }

  protected override updated(changed: PropertyValues): void {
    if (changed.has('client') || changed.has('accountId')) void this.reload();
  }

  /** The account shown: the attribute, or the token's own. */
  protected async account(): Promise<string> {
    if (this.accountId) return (this.resolved = this.accountId);
    if (this.resolved) return this.resolved;
    const me = await this.client!.me();
    if (!me.accountId) throw new ApiError({ status: 403, code: 'not_a_session', detail: 'This key is not bound to an account.' });
    return (this.resolved = me.accountId);
  }

  protected path(suffix = ''): string {
    return `/v1/accounts/${encodeURIComponent(this.resolved!)}${suffix}`;
  }

  /** Loads the part's data; failures become the message shown instead of data. */
  async reload(): Promise<void> {
    if (!this.client) return;
    try {
      await this.account();
      await this.load();
      this.failure = undefined;
    } catch (error) {
      this.failure = WalletPart.explain(error, this.resolved ?? this.accountId);
    }
  }

  static explain(error: unknown, accountId: string | undefined): string {
    if (error instanceof ApiError && error.status === 404 && error.problem.code !== 'route_not_found') {
      return `This session does not give access to account ${accountId ?? ''}. Reload the page to start a new session.`;
    }
    return describeError(error);
  }

  protected abstract load(): Promise<void>;

  protected renderFailure() {
    return html`<div class="card error" role="alert" part="message">${this.failure}</div>`;
  }

  protected announce(): void {
    document.dispatchEvent(new CustomEvent(CHANGED));
  }
}
