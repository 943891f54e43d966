import { formFields } from '../shared/form.js';
import { css, html, LitElement } from 'lit';
import { describeError } from '../shared/api.js';
import { theme } from '../shared/theme.js';
import './account-page.js';
import './account-search.js';
import './approvals.js';
import './dispute.js';
import './finance.js';
import { can, navigate, resume, signIn, signOut, type Session } from './session.js';

/** <bd-console>: sign-in, navigation by scope, and the view for the current /console path. */
export class BdConsole extends LitElement {
  static override properties = { session: { state: true }, error: { state: true }, path: { state: true }, checking: { state: true } };
  declare session: Session | undefined;
  declare error: string | undefined;
  declare path: string;
  declare checking: boolean;
  private onPop = () => (this.path = location.pathname);

  static override styles = [
    theme,
    css`
      header {
        display: flex;
        gap: 16px;
        align-items: center;
        padding: 10px 20px;
        background: #1f2328;
        color: #fff;
      }
      header a {
        color: #fff;
        text-decoration: none;
        padding: 4px 8px;
        border-radius: 6px;
      }
      header a[aria-current='page'] {
        background: #ffffff2e;
      }
      header .who {
        margin-left: auto;
        font-size: 0.9em;
      }
      header button {
        background: transparent;
        border-color: #fff;
      }
      main {
        padding: 20px;
        max-width: 1200px;
        margin: 0 auto;
        display: grid;
        gap: 16px;
      }
      form.signin {
        max-width: 420px;
        margin: 10vh auto;
        display: grid;
        gap: 12px;
      }
    `,
  ];

  constructor() {
    super();
    this.path = location.pathname;
    this.checking = true;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('popstate', this.onPop);
    void resume().then((s) => {
      this.session = s;
      this.checking = false;
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('popstate', this.onPop);
  }

  private async submit(e: Event) {
    e.preventDefault();
    const key = formFields(e)('key');
    try {
      this.session = await signIn(key);
      this.error = undefined;
    } catch (error) {
      this.error = describeError(error);
    }
  }

  private link(path: string, label: string) {
    const current =
      path === '/console' ? this.path === '/console' || this.path.startsWith('/console/accounts') : this.path.startsWith(path);
    return html`<a
      href=${path}
      aria-current=${current ? 'page' : 'false'}
      @click=${(e: MouseEvent) => {
        e.preventDefault();
        navigate(path);
      }}
      >${label}</a
    >`;
  }

  override render() {
    if (this.checking) return html`<main aria-busy="true">Loading…</main>`;
    const s = this.session;
    if (!s) {
      return html`<main>
        <form class="signin card" @submit=${(e: Event) => void this.submit(e)}>
          <h1 style="margin:0">Burndown console</h1>
          <label
            >API key (support, approver, finance or admin)
            <input name="key" type="password" autocomplete="off" required />
          </label>
          <p class="muted" style="margin:0">Kept in this browser tab only, until you sign out or close it.</p>
          <button type="submit">Sign in</button>
          ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
        </form>
      </main>`;
    }
    return html`<header>
        <strong>Burndown</strong>
        <nav aria-label="Console" style="display:flex;gap:8px">
          ${can.readAccounts(s.me) ? this.link('/console', 'Accounts') : ''}
          ${can.seeApprovals(s.me) ? this.link('/console/approvals', 'Approvals') : ''}
          ${can.finance(s.me) ? this.link('/console/finance', 'Finance') : ''}
        </nav>
        <span class="who">${s.me.subject} · ${s.me.scopes.join(', ')}</span>
        <button
          @click=${() => {
            signOut();
            this.session = undefined;
          }}
        >
          Sign out
        </button>
      </header>
      <main>${this.view(s)}</main>`;
  }

  private view(s: Session) {
    const p = this.path.replace(/\/+$/, '');
    const account = /^\/console\/accounts\/([^/]+)$/.exec(p);
    const transaction = /^\/console\/transactions\/([^/]+)$/.exec(p);
    if (account) return html`<bd-account-page .session=${s} .accountId=${decodeURIComponent(account[1]!)}></bd-account-page>`;
    if (transaction) return html`<bd-dispute .session=${s} .transactionId=${decodeURIComponent(transaction[1]!)}></bd-dispute>`;
    if (p === '/console/approvals') return html`<bd-approvals .session=${s}></bd-approvals>`;
    if (p === '/console/finance') return html`<bd-finance .session=${s}></bd-finance>`;
    if (can.readAccounts(s.me)) return html`<bd-account-search .session=${s}></bd-account-search>`;
    if (can.seeApprovals(s.me)) return html`<bd-approvals .session=${s}></bd-approvals>`;
    return html`<p>Your key’s scopes (${s.me.scopes.join(', ')}) give no console view.</p>`;
  }
}

customElements.define('bd-console', BdConsole);
