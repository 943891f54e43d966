import { css, html, type PropertyValues } from 'lit';
import { formatCredits, formatDate, isNegative, isZero } from '../shared/format.js';
import { theme } from '../shared/theme.js';
import { WalletPart } from './part.js';

export interface CreditTypeSummary {
  creditType: string;
  name: string;
  precision: number;
  available: string;
  held: string;
  pending: string;
  overdraftUsed: string;
  expiring: { expiresAt: string; amount: string }[];
  neverExpiring: string;
  burnRate: { perDay7d: string; perDay30d: string };
  depletesAt: string | null;
}

/**
 * <burndown-balance>: available credits per credit type, the expiring ones
 * apart, the burn rate and when the balance runs out. Always fresh: it asks
 * GET …/balance-summary every `refresh-seconds` (default 1) with
 * If-None-Match, so an unchanged balance costs a 304 and a deduct shows within
 * about a second (docs/UI.md has the measurement). Polling stops while the
 * page is hidden.
 */
export class BurndownBalance extends WalletPart {
  static override properties = {
    ...WalletPart.properties,
    refreshSeconds: { attribute: 'refresh-seconds', type: Number },
    summary: { state: true },
  };
  declare refreshSeconds: number;
  declare summary: CreditTypeSummary[] | undefined;
  private etag: string | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private onVisibility = () => this.schedule(0);

  static override styles = [
    theme,
    css`
      .types {
        display: grid;
        gap: var(--_gap);
        grid-template-columns: repeat(auto-fit, minmax(220px, 1fr));
      }
      .amount {
        font-size: 2em;
        font-weight: 650;
        font-variant-numeric: tabular-nums;
        line-height: 1.1;
      }
      p {
        margin: 4px 0 0;
      }
    `,
  ];

  constructor() {
    super();
    this.refreshSeconds = 1;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.onVisibility);
    clearTimeout(this.timer);
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    if (changed.has('client') || changed.has('accountId')) this.etag = undefined;
  }

  protected async load(): Promise<void> {
    try {
      const fresh = await this.client!.getIfChanged<{ balances: CreditTypeSummary[] }>(this.path('/balance-summary'), this.etag);
      if (fresh) {
        const changed = this.summary !== undefined;
        this.summary = fresh.body.balances;
        this.etag = fresh.etag;
        if (changed) this.dispatchEvent(new CustomEvent('burndown-balance-change', { bubbles: true, composed: true, detail: fresh.body }));
      }
    } finally {
      this.schedule(this.refreshSeconds * 1000);
    }
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    // A session that has ended stays ended: stop asking.
    if (this.failure && /session/.test(this.failure)) return;
    if (document.visibilityState === 'hidden' || !this.isConnected) return;
    this.timer = setTimeout(() => void this.reload(), ms);
  }

  override render() {
    if (this.failure) return this.renderFailure();
    if (!this.summary) return html`<div class="card muted" aria-busy="true">Loading balance…</div>`;
    if (this.summary.length === 0) return html`<div class="card">No credits yet.</div>`;
    return html`<section class="types" aria-label="Balance" aria-live="polite">${this.summary.map((b) => this.renderType(b))}</section>`;
  }

  private renderType(b: CreditTypeSummary) {
    const n = (v: string) => formatCredits(v, this.locale, b.precision);
    const expiring = b.expiring.map((e) => `${n(e.amount)} expire on ${formatDate(e.expiresAt, this.locale)}`);
    const parts = [...expiring, ...(!isZero(b.neverExpiring) ? [`${n(b.neverExpiring)} never expire`] : [])];
    return html`<div class="card" part="balance-card">
      <h2>${b.name}</h2>
      <div class="amount ${isNegative(b.available) ? 'error' : ''}" part="amount" data-credit-type=${b.creditType}>${n(b.available)}</div>
      <p class="muted">
        available${!isZero(b.held) ? html` · ${n(b.held)} reserved` : ''}${
          !isZero(b.pending) ? html` · ${n(b.pending)} not yet effective` : ''
        }
      </p>
      ${parts.length ? html`<p part="expiring" class="expiring">${parts.join(' · ')}</p>` : ''}
      <p class="muted" part="burn-rate">
        Burning ${n(b.burnRate.perDay7d)} a day (7-day average), ${n(b.burnRate.perDay30d)}
        (30-day)${b.depletesAt ? html`; at this rate it runs out around <strong>${formatDate(b.depletesAt, this.locale)}</strong>` : ''}.
      </p>
    </div>`;
  }
}

if (!customElements.get('burndown-balance')) customElements.define('burndown-balance', BurndownBalance);
