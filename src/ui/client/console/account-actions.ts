import { formFields } from '../shared/form.js';
import { html } from 'lit';
import { ConsoleView } from './view.js';

/** The API's reason codes for support and sales actions (GET /v1/openapi.json, SupportGrantInput). */
export const reasonCodes = [
  'goodwill',
  'service_outage',
  'billing_error',
  'sales_concession',
  'contract_commitment',
  'migration',
  'partnership',
  'other',
] as const;

export type AccountAction =
  | { kind: 'grant' }
  | { kind: 'void'; grantId: string; label: string }
  | { kind: 'expiry'; grantId: string; label: string; expiresAt: string | null }
  | { kind: 'refund'; transactionId: string; label: string };

const titles = { grant: 'Grant credits', void: 'Void grant', expiry: 'Change expiry', refund: 'Refund a burn' };

/**
 * <bd-account-action>: the form of one support action on an account, each
 * with a reason code and free text; fires `done` with what happened (shown by
 * the page, and written to the audit trail by the API).
 */
export class BdAccountAction extends ConsoleView {
  static override properties = {
    ...ConsoleView.properties,
    accountId: {},
    action: { attribute: false },
    creditTypes: { attribute: false },
  };
  declare accountId: string;
  declare action: AccountAction;
  declare creditTypes: string[];

  override firstUpdated(): void {
    this.renderRoot.querySelector<HTMLElement>('input, select')?.focus();
  }

  private async submit(e: Event) {
    e.preventDefault();
    const text = formFields(e);
    const reason = `${text('reasonCode')}: ${text('reason')}`;
    const { client } = this.session;
    const a = this.action;
    const account = `/v1/accounts/${encodeURIComponent(this.accountId)}`;
    const outcome = await this.run(async () => {
      if (a.kind === 'grant') {
        const expires = text('expiresAt');
        const res = await client.post<{ status: string; approval?: { id: string } }>(`${account}/support-grants`, {
          creditType: text('creditType'),
          amount: text('amount'),
          source: text('source'),
          reasonCode: text('reasonCode'),
          reason: text('reason'),
          ...(expires && { expiresAt: new Date(`${expires}T23:59:59`).toISOString() }),
        });
        return res.body.status === 'pending'
          ? `Above your limit: waiting for approval (${res.body.approval?.id ?? ''}).`
          : `Granted ${text('amount')} ${text('creditType')} credits.`;
      }
      if (a.kind === 'void') {
        await client.post(`/v1/grants/${encodeURIComponent(a.grantId)}/void`, { reason });
        return `Voided ${a.label}.`;
      }
      if (a.kind === 'expiry') {
        const date = text('expiresAt');
        await client.post(`/v1/grants/${encodeURIComponent(a.grantId)}/expiry`, {
          expiresAt: date ? new Date(`${date}T23:59:59`).toISOString() : null,
          reason,
        });
        return date ? `${a.label} now expires on ${date}.` : `${a.label} no longer expires.`;
      }
      const amount = text('amount');
      const res = await client.post<{ refunded: string; creditType: string }>(`${account}/refunds`, {
        transactionId: a.transactionId,
        ...(amount && { amount }),
        reason,
      });
      return `Refunded ${res.body.refunded} ${res.body.creditType} credits.`;
    });
    if (outcome !== undefined) this.dispatchEvent(new CustomEvent('done', { detail: outcome, bubbles: true, composed: true }));
  }

  override render() {
    const a = this.action;
    const label = a.kind === 'grant' ? '' : ` ${a.label}`;
    return html`<form class="card" @submit=${(e: Event) => void this.submit(e)} aria-labelledby="action-title">
      <h2 id="action-title">${titles[a.kind]}${label}</h2>
      <div class="row">
        ${
          a.kind === 'grant'
            ? html`<label
                  >Credit type
                  <select name="creditType" required>
                    ${this.creditTypes.map((c) => html`<option>${c}</option>`)}
                  </select></label
                >
                <label>Amount <input name="amount" inputmode="decimal" required size="10" /></label>
                <label
                  >Source
                  <select name="source">
                    <option value="support">support</option>
                    <option value="promo">promo (sales)</option>
                  </select></label
                >
                <label>Expires on (optional) <input name="expiresAt" type="date" /></label>`
            : ''
        }
        ${a.kind === 'expiry' ? html`<label>New expiry (empty: never) <input name="expiresAt" type="date" .value=${a.expiresAt?.slice(0, 10) ?? ''} /></label>` : ''}
        ${a.kind === 'refund' ? html`<label>Credits (empty: all of it) <input name="amount" inputmode="decimal" size="10" /></label>` : ''}
        <label
          >Reason code
          <select name="reasonCode" required>
            ${reasonCodes.map((c) => html`<option>${c}</option>`)}
          </select></label
        >
        <label style="flex:1">Reason <input name="reason" required maxlength="900" /></label>
      </div>
      <div class="row" style="margin-top:8px">
        <button type="submit">${titles[a.kind]}</button>
        <button
          type="button"
          class="secondary"
          @click=${() => this.dispatchEvent(new CustomEvent('cancel', { bubbles: true, composed: true }))}
        >
          Cancel
        </button>
      </div>
      ${this.renderNotice()}
    </form>`;
  }
}

customElements.define('bd-account-action', BdAccountAction);
