import { css, html } from 'lit';
import { describeError } from '../shared/api.js';
import { formatCredits, formatDate, formatMoney } from '../shared/format.js';
import { theme } from '../shared/theme.js';
import type { Grant } from './grants.js';
import { WalletPart } from './part.js';

interface Bundle {
  id: string;
  name: string;
  creditType: string;
  credits: string;
  price: { amount: string; currency: string };
}

interface Purchase {
  id: string;
  status: 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'refunded' | 'partially_refunded';
  credits: string;
  creditType: string;
  grantId: string | null;
  failureReason: string | null;
  clientSecret?: string | null;
}

type State =
  | { kind: 'idle' }
  | { kind: 'buying'; bundle: Bundle }
  | { kind: 'waiting'; bundle: Bundle; purchase: Purchase }
  | { kind: 'done'; grant: Grant }
  | { kind: 'failed'; message: string };

const WAIT_MS = 15 * 60_000;

/**
 * <burndown-buy>: the bundles of the catalog and the purchase flow of
 * POST …/purchases. With `payment-method` (a saved card) the charge is made
 * at once; otherwise the element fires `burndown-payment-required` with the
 * PaymentIntent's client secret, for the page to confirm with Stripe's
 * Payment Element (docs/UI.md), and waits until Stripe's webhook has granted
 * the credits. Either way it ends by showing the new grant.
 */
export class BurndownBuy extends WalletPart {
  static override properties = {
    ...WalletPart.properties,
    paymentMethod: { attribute: 'payment-method' },
    bundles: { state: true },
    state: { state: true },
  };
  declare paymentMethod: string | undefined;
  declare bundles: Bundle[] | undefined;
  declare state: State;

  static override styles = [
    theme,
    css`
      ul {
        list-style: none;
        padding: 0;
        margin: 0;
        display: grid;
        gap: 8px;
        grid-template-columns: repeat(auto-fit, minmax(180px, 1fr));
      }
      li {
        border: 1px solid var(--_border);
        border-radius: var(--_radius);
        padding: 10px;
        display: flex;
        flex-direction: column;
        gap: 6px;
      }
      .price {
        font-weight: 650;
      }
    `,
  ];

  constructor() {
    super();
    this.state = { kind: 'idle' };
  }

  protected async load(): Promise<void> {
    this.bundles ??= (await this.client!.get<{ bundles: Bundle[] }>('/v1/catalog')).bundles;
  }

  private async buy(bundle: Bundle): Promise<void> {
    this.state = { kind: 'buying', bundle };
    try {
      const body = { bundleId: bundle.id, ...(this.paymentMethod && { paymentMethodId: this.paymentMethod }) };
      let purchase = (await this.client!.post<Purchase>(this.path('/purchases'), body)).body;
      if (purchase.status !== 'succeeded' && purchase.status !== 'failed') {
        this.state = { kind: 'waiting', bundle, purchase };
        this.dispatchEvent(
          new CustomEvent('burndown-payment-required', {
            bubbles: true,
            composed: true,
            detail: { purchaseId: purchase.id, clientSecret: purchase.clientSecret, bundle },
          }),
        );
        purchase = await this.settled(purchase.id);
      }
      if (purchase.status === 'failed' || !purchase.grantId) {
        this.state = {
          kind: 'failed',
          message: `The payment did not go through${purchase.failureReason ? ` (${purchase.failureReason})` : ''}.`,
        };
        return;
      }
      const grant = await this.client!.get<Grant>(`/v1/grants/${encodeURIComponent(purchase.grantId)}`);
      this.state = { kind: 'done', grant };
      this.announce();
    } catch (error) {
      this.state = { kind: 'failed', message: describeError(error) };
    }
  }

  /** The purchase once Stripe's answer has arrived (the webhook grants the credits), asked once a second. */
  private async settled(id: string): Promise<Purchase> {
    const until = Date.now() + WAIT_MS;
    for (;;) {
      const purchase = await this.client!.get<Purchase>(`/v1/purchases/${encodeURIComponent(id)}`);
      if (purchase.status === 'succeeded' || purchase.status === 'failed' || Date.now() > until) return purchase;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  override render() {
    if (this.failure) return this.renderFailure();
    const busy = this.state.kind === 'buying' || this.state.kind === 'waiting';
    return html`<section class="card" aria-labelledby="buy-title" part="buy">
      <h2 id="buy-title">Buy credits</h2>
      ${
        !this.bundles
          ? html`<p class="muted" aria-busy="true">Loading…</p>`
          : html`<ul>
              ${this.bundles.map(
                (b) =>
                  html`<li data-bundle-id=${b.id}>
                    <span>${b.name}</span>
                    <span class="price">${formatMoney(b.price.amount, b.price.currency, this.locale)}</span>
                    <button
                      part="button"
                      ?disabled=${busy}
                      @click=${() => void this.buy(b)}
                      aria-label=${`Buy ${b.name} for ${formatMoney(b.price.amount, b.price.currency, this.locale)}`}
                    >
                      Buy
                    </button>
                  </li>`,
              )}
            </ul>`
      }
      <div role="status" aria-live="polite" part="purchase-status" style="margin-top:8px">${this.renderState()}</div>
    </section>`;
  }

  private renderState() {
    const s = this.state;
    if (s.kind === 'buying') return html`<span class="muted">Starting the payment for ${s.bundle.name}…</span>`;
    if (s.kind === 'waiting') return html`<span class="muted">Waiting for the payment of ${s.bundle.name} to be confirmed…</span>`;
    if (s.kind === 'failed') return html`<span class="error">${s.message}</span>`;
    if (s.kind === 'done') {
      const g = s.grant;
      return html`<span class="ok new-grant" data-grant-id=${g.id}
        >Added ${formatCredits(g.amount, this.locale)} ${g.creditType}
        credits${g.expiresAt ? `, expiring ${formatDate(g.expiresAt, this.locale)}` : ''}.</span
      >`;
    }
    return '';
  }
}

if (!customElements.get('burndown-buy')) customElements.define('burndown-buy', BurndownBuy);
