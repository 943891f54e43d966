import { formFields } from '../shared/form.js';
import { html } from 'lit';
import { describeError } from '../shared/api.js';
import { formatCredits, formatMoney } from '../shared/format.js';
import { WalletPart } from './part.js';

interface CatalogBundle {
  id: string;
  name: string;
  creditType: string;
}

export interface RechargeSettings {
  creditType: string;
  enabled: boolean;
  paused: boolean;
  threshold: string;
  bundleId: string;
  quantity: number;
  monthlyCap: { amount: string; currency: string };
}

/**
 * <burndown-auto-recharge>: the account's auto-recharge per credit type, and
 * a form to change it when the session was issued with `autoRecharge: true`
 * (scope wallet_recharge). Recharges charge the saved card off-session.
 */
export class BurndownAutoRecharge extends WalletPart {
  static override properties = { ...WalletPart.properties, settings: { state: true }, editable: { state: true }, message: { state: true } };
  declare settings: RechargeSettings[] | undefined;
  declare editable: boolean;
  declare message: { ok: boolean; text: string } | undefined;
  private bundles: CatalogBundle[] = [];

  protected async load(): Promise<void> {
    const [settings, me] = await Promise.all([
      this.client!.get<{ data: RechargeSettings[] }>(this.path('/auto-recharge')),
      this.client!.me(),
    ]);
    this.editable = me.scopes.includes('wallet_recharge') || me.scopes.includes('admin');
    if (this.editable && this.bundles.length === 0)
      this.bundles = (await this.client!.get<{ bundles: CatalogBundle[] }>('/v1/catalog')).bundles;
    this.settings = settings.data;
  }

  private async save(e: Event): Promise<void> {
    const field = formFields(e);
    const bundle = this.bundles.find((b) => b.id === field('bundleId'));
    try {
      await this.client!.post(this.path('/auto-recharge'), {
        creditType: bundle?.creditType ?? '',
        enabled: field('enabled') === 'on',
        threshold: field('threshold'),
        bundleId: field('bundleId'),
        quantity: Number(field('quantity') || 1),
        monthlyCap: { amount: field('cap'), currency: field('currency') || 'USD' },
      });
      this.message = { ok: true, text: 'Auto-recharge saved.' };
      await this.reload();
    } catch (error) {
      this.message = { ok: false, text: describeError(error) };
    }
  }

  override render() {
    if (this.failure) return this.renderFailure();
    if (!this.settings) return html`<div class="card muted" aria-busy="true">Loading…</div>`;
    const current = this.settings[0];
    return html`<section class="card" aria-labelledby="recharge-title" part="auto-recharge">
      <h2 id="recharge-title">Auto-recharge</h2>
      ${
        this.settings.length === 0
          ? html`<p class="muted">Off: credits are bought only when you buy them.</p>`
          : this.settings.map(
              (s) =>
                html`<p>
                  ${s.enabled && !s.paused ? 'On' : s.paused ? 'Paused after a failed payment' : 'Off'}: when ${s.creditType} credits fall
                  below ${formatCredits(s.threshold, this.locale)}, buy ${s.quantity} × ${s.bundleId}, at most
                  ${formatMoney(s.monthlyCap.amount, s.monthlyCap.currency, this.locale)} a month.
                </p>`,
            )
      }
      ${
        this.editable
          ? html`<form
              class="row"
              @submit=${(e: Event) => {
                e.preventDefault();
                void this.save(e);
              }}
            >
              <label><span>Enabled</span><input type="checkbox" name="enabled" ?checked=${current?.enabled ?? true} /></label>
              <label>Below <input name="threshold" inputmode="decimal" required .value=${current?.threshold ?? '100'} size="8" /></label>
              <label
                >Buy
                <select name="bundleId">
                  ${this.bundles.map((b) => html`<option value=${b.id} ?selected=${b.id === current?.bundleId}>${b.name}</option>`)}
                </select>
              </label>
              <label
                >Times <input name="quantity" type="number" min="1" max="100" .value=${String(current?.quantity ?? 1)} size="3"
              /></label>
              <label
                >Monthly cap <input name="cap" inputmode="decimal" required .value=${current?.monthlyCap.amount ?? '100.00'} size="8"
              /></label>
              <input type="hidden" name="currency" .value=${current?.monthlyCap.currency ?? 'USD'} />
              <button type="submit">Save</button>
            </form>`
          : ''
      }
      ${this.message ? html`<p role="status" class=${this.message.ok ? 'ok' : 'error'}>${this.message.text}</p>` : ''}
    </section>`;
  }
}

if (!customElements.get('burndown-auto-recharge')) customElements.define('burndown-auto-recharge', BurndownAutoRecharge);
