import { html } from 'lit';
import { formatCredits, formatDate } from '../shared/format.js';
import { WalletPart } from './part.js';

export interface Grant {
  id: string;
  creditType: string;
  amount: string;
  remaining: string;
  source: string;
  priority: number;
  status: string;
  effectiveAt: string;
  expiresAt: string | null;
  reason: string | null;
  createdAt: string;
}

export const sourceLabel: Record<string, string> = {
  purchase: 'Purchase',
  promo: 'Promotion',
  support: 'Support credit',
  plan: 'Plan allotment',
  trial: 'Trial',
  rollover: 'Rollover',
  refund: 'Refund',
};

/** <burndown-grants>: the credit blocks of the account with their source and expiry, filtered by status, newest purchase first in each page. */
export class BurndownGrants extends WalletPart {
  static override properties = { ...WalletPart.properties, status: {}, grants: { state: true }, cursors: { state: true } };
  declare status: string;
  declare grants: Grant[] | undefined;
  /** Cursors of the pages seen, to go back; the last is the next page's. */
  declare cursors: (string | null)[];

  constructor() {
    super();
    this.status = 'active';
    this.cursors = [null];
  }

  protected async load(): Promise<void> {
    const cursor = this.cursors[this.cursors.length - 1];
    const query = new URLSearchParams({ limit: '10', ...(this.status && { status: this.status }), ...(cursor && { cursor }) });
    const page = await this.client!.get<{ data: Grant[]; nextCursor: string | null }>(this.path(`/grants?${query.toString()}`));
    this.grants = page.data;
    this.next = page.nextCursor;
  }
  private next: string | null = null;

  private go(step: 1 | -1) {
    this.cursors = step === 1 ? [...this.cursors, this.next] : this.cursors.slice(0, -1);
    void this.reload();
  }

  override render() {
    if (this.failure) return this.renderFailure();
    return html`<section class="card" aria-labelledby="grants-title" part="grants">
      <div class="row" style="justify-content:space-between">
        <h2 id="grants-title">Credit grants</h2>
        <label
          >Status
          <select
            @change=${(e: Event) => {
              this.status = (e.target as HTMLSelectElement).value;
              this.cursors = [null];
              void this.reload();
            }}
          >
            ${['active', 'expired', 'voided', ''].map((s) => html`<option value=${s} ?selected=${this.status === s}>${s || 'all'}</option>`)}
          </select>
        </label>
      </div>
      ${
        !this.grants
          ? html`<p class="muted" aria-busy="true">Loading…</p>`
          : this.grants.length === 0
            ? html`<p class="muted">No grants.</p>`
            : html`<table part="table">
                <thead>
                  <tr>
                    <th scope="col">Source</th>
                    <th scope="col" class="num">Remaining</th>
                    <th scope="col" class="num">Granted</th>
                    <th scope="col">Expires</th>
                    <th scope="col">Since</th>
                  </tr>
                </thead>
                <tbody>
                  ${this.grants.map(
                    (g) =>
                      html`<tr data-grant-id=${g.id}>
                        <td>${sourceLabel[g.source] ?? g.source}${g.reason ? html`<div class="muted">${g.reason}</div>` : ''}</td>
                        <td class="num">${formatCredits(g.remaining, this.locale)} ${g.creditType}</td>
                        <td class="num">${formatCredits(g.amount, this.locale)}</td>
                        <td>${g.expiresAt ? formatDate(g.expiresAt, this.locale) : 'never'}</td>
                        <td>${formatDate(g.effectiveAt, this.locale)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
      }
      <div class="row" style="margin-top:8px">
        <button class="secondary" ?disabled=${this.cursors.length < 2} @click=${() => this.go(-1)}>Previous</button>
        <button class="secondary" ?disabled=${!this.next} @click=${() => this.go(1)}>Next</button>
      </div>
    </section>`;
  }
}

if (!customElements.get('burndown-grants')) customElements.define('burndown-grants', BurndownGrants);
