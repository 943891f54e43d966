import { formFields } from '../shared/form.js';
import { html } from 'lit';
import { formatCredits, formatDate, formatDateTime } from '../shared/format.js';
import { sourceLabel, type Grant } from './grants.js';
import { WalletPart } from './part.js';

export interface Entry {
  id: string;
  transactionId: string;
  type: string;
  creditType: string;
  amount: string;
  balanceAfter: string;
  grantId: string | null;
  feature: string | null;
  reason: string | null;
  createdAt: string;
}

const typeLabel: Record<string, string> = {
  burn: 'Used',
  commit: 'Used (reserved)',
  hold: 'Reserved',
  release: 'Released',
  grant: 'Added',
  expiry: 'Expired',
  void: 'Removed',
  refund: 'Refunded',
  settle: 'Settled',
};
const sign: Record<string, string> = {
  burn: '−',
  commit: '',
  hold: '−',
  expiry: '−',
  void: '−',
  settle: '',
  grant: '+',
  release: '+',
  refund: '+',
};

/**
 * <burndown-history>: every ledger entry of the account, newest first, each
 * burn with its feature and the grant it came from; filters by kind and
 * feature; paging.
 */
export class BurndownHistory extends WalletPart {
  static override properties = {
    ...WalletPart.properties,
    kind: {},
    feature: {},
    entries: { state: true },
    cursors: { state: true },
    transactionLink: { attribute: false },
    rowActions: { attribute: false },
  };
  declare kind: string;
  declare feature: string;
  declare entries: Entry[] | undefined;
  declare cursors: (string | null)[];
  /** The console links each entry to its dispute view, and offers actions (refund) on it. */
  declare transactionLink: ((transactionId: string) => unknown) | undefined;
  declare rowActions: ((entry: Entry) => unknown) | undefined;
  private next: string | null = null;
  private grants = new Map<string, Grant>();

  constructor() {
    super();
    this.kind = '';
    this.feature = '';
    this.cursors = [null];
  }

  protected async load(): Promise<void> {
    const cursor = this.cursors[this.cursors.length - 1];
    const query = new URLSearchParams({
      limit: '15',
      ...(this.kind && { type: this.kind }),
      ...(this.feature && { feature: this.feature }),
      ...(cursor && { cursor }),
    });
    const [page, grants] = await Promise.all([
      this.client!.get<{ data: Entry[]; nextCursor: string | null }>(this.path(`/transactions?${query.toString()}`)),
      this.client!.get<{ data: Grant[] }>(this.path('/grants?limit=500')),
    ]);
    this.grants = new Map(grants.data.map((g) => [g.id, g]));
    this.next = page.nextCursor;
    this.entries = page.data;
  }

  private filter(kind: string, feature: string) {
    this.kind = kind;
    this.feature = feature;
    this.cursors = [null];
    void this.reload();
  }

  private go(step: 1 | -1) {
    this.cursors = step === 1 ? [...this.cursors, this.next] : this.cursors.slice(0, -1);
    void this.reload();
  }

  private from(e: Entry) {
    if (!e.grantId) return e.type === 'burn' ? 'overdraft' : '';
    const g = this.grants.get(e.grantId);
    // A pool parent's grant is not this account's to read: say so, not which.
    return g
      ? `${sourceLabel[g.source] ?? g.source}${g.expiresAt ? `, expires ${formatDate(g.expiresAt, this.locale)}` : ''}`
      : 'shared pool';
  }

  override render() {
    if (this.failure) return this.renderFailure();
    return html`<section class="card" aria-labelledby="history-title" part="history">
      <h2 id="history-title">History</h2>
      <form
        class="row"
        @submit=${(e: Event) => {
          e.preventDefault();
          const field = formFields(e);
          this.filter(field('kind'), field('feature'));
        }}
      >
        <label
          >Kind
          <select name="kind">
            <option value="">all</option>
            <option value="burn,commit" ?selected=${this.kind === 'burn,commit'}>usage</option>
            <option value="grant" ?selected=${this.kind === 'grant'}>added</option>
            <option value="expiry" ?selected=${this.kind === 'expiry'}>expired</option>
            <option value="refund" ?selected=${this.kind === 'refund'}>refunds</option>
          </select>
        </label>
        <label>Feature <input name="feature" .value=${this.feature} size="12" /></label>
        <button type="submit" class="secondary">Filter</button>
      </form>
      ${
        !this.entries
          ? html`<p class="muted" aria-busy="true">Loading…</p>`
          : this.entries.length === 0
            ? html`<p class="muted">Nothing here.</p>`
            : html`<table part="table">
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">What</th>
                    <th scope="col">Feature</th>
                    <th scope="col" class="num">Credits</th>
                    <th scope="col">From</th>
                    ${this.transactionLink ? html`<th scope="col">Transaction</th>` : ''}
                    ${this.rowActions ? html`<th scope="col">Actions</th>` : ''}
                  </tr>
                </thead>
                <tbody>
                  ${this.entries.map(
                    (e) =>
                      html`<tr data-entry-type=${e.type}>
                        <td>${formatDateTime(e.createdAt, this.locale)}</td>
                        <td>${typeLabel[e.type] ?? e.type}</td>
                        <td>${e.feature ?? ''}</td>
                        <td class="num">${sign[e.type] ?? ''}${formatCredits(e.amount, this.locale)} ${e.creditType}</td>
                        <td>${this.from(e)}</td>
                        ${this.transactionLink ? html`<td>${this.transactionLink(e.transactionId)}</td>` : ''}
                        ${this.rowActions ? html`<td>${this.rowActions(e)}</td>` : ''}
                      </tr>`,
                  )}
                </tbody>
              </table>`
      }
      <div class="row" style="margin-top:8px">
        <button class="secondary" ?disabled=${this.cursors.length < 2} @click=${() => this.go(-1)}>Newer</button>
        <button class="secondary" ?disabled=${!this.next} @click=${() => this.go(1)}>Older</button>
      </div>
    </section>`;
  }
}

if (!customElements.get('burndown-history')) customElements.define('burndown-history', BurndownHistory);
