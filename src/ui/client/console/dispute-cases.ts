import { html } from 'lit';
import { formatDateTime } from '../shared/format.js';
import { formFields } from '../shared/form.js';
import { ConsoleView } from './view.js';

interface DisputeCase {
  id: string;
  status: 'open' | 'investigating' | 'resolved' | 'rejected';
  reason: string;
  disputedAmount: string;
  creditType: string;
  owner?: string | null;
  queue?: string;
  slaDueAt: string;
  resolution: { outcome: string; explanation: string; refundedAmount: string | null } | null;
}

const isOpen = (c: DisputeCase) => c.status === 'open' || c.status === 'investigating';

/**
 * <bd-dispute-cases>: the dispute cases of one burn, inside its dispute view
 * (POST/GET /v1/disputes): open one with the customer's reason, then resolve
 * it with a refund of the burn or reject it, with an explanation the customer
 * is shown. Notes, assignment and partial refunds stay in the API.
 */
export class BdDisputeCases extends ConsoleView {
  static override properties = {
    ...ConsoleView.properties,
    transactionId: {},
    accountId: {},
    caseIds: { attribute: false },
    cases: { state: true },
  };
  declare transactionId: string;
  declare accountId: string;
  declare caseIds: string[];
  declare cases: DisputeCase[] | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load(this.caseIds);
  }

  private async load(ids: string[]) {
    const loaded = await this.run(() =>
      Promise.all(ids.map((id) => this.session.client.get<DisputeCase>(`/v1/disputes/${encodeURIComponent(id)}`))),
    );
    if (loaded) this.cases = loaded;
  }

  private async open(e: Event) {
    e.preventDefault();
    const text = formFields(e);
    const res = await this.run(
      () =>
        this.session.client.post<DisputeCase>('/v1/disputes', {
          accountId: this.accountId,
          transactionId: this.transactionId,
          reason: text('reason'),
        }),
      (r) => `Opened dispute ${r.body.id}`,
    );
    if (res) this.cases = [...(this.cases ?? []), res.body];
  }

  private async decide(e: SubmitEvent, c: DisputeCase) {
    e.preventDefault();
    const text = formFields(e);
    const reject = (e.submitter as HTMLButtonElement | null)?.value === 'reject';
    const path = `/v1/disputes/${encodeURIComponent(c.id)}/${reject ? 'reject' : 'resolve'}`;
    const res = await this.run(
      () =>
        this.session.client.post<DisputeCase>(
          path,
          reject ? { explanation: text('explanation') } : { explanation: text('explanation'), refund: true },
        ),
      (r) => `Dispute ${c.id} ${r.body.status}`,
    );
    if (res) this.cases = (this.cases ?? []).map((x) => (x.id === c.id ? res.body : x));
  }

  override render() {
    const cases = this.cases ?? [];
    const locale = navigator.language;
    return html`<section class="card" aria-labelledby="cases-title">
      <h2 id="cases-title">Dispute cases</h2>
      ${this.renderNotice()} ${cases.length === 0 ? html`<p class="muted">No dispute on this burn.</p>` : ''}
      ${cases.map(
        (c) =>
          html`<div data-dispute-id=${c.id}>
            <h3>${c.id}: ${c.status}</h3>
            <p>
              ${c.disputedAmount} ${c.creditType} disputed: “${c.reason}”. Owner ${c.owner ?? 'none'}, queue ${c.queue ?? '—'}, due
              ${formatDateTime(c.slaDueAt, locale)}.
            </p>
            ${
              c.resolution
                ? html`<p>
                    ${c.resolution.outcome}:
                    ${c.resolution.explanation}${
                      c.resolution.refundedAmount ? ` (refunded ${c.resolution.refundedAmount} ${c.creditType})` : ''
                    }
                  </p>`
                : ''
            }
            ${
              isOpen(c)
                ? html`<form @submit=${(e: SubmitEvent) => this.decide(e, c)}>
                    <label>Explanation for the customer <textarea name="explanation" required maxlength="2000"></textarea></label>
                    <button type="submit" value="resolve">Resolve with refund</button>
                    <button type="submit" value="reject">Reject</button>
                  </form>`
                : ''
            }
          </div>`,
      )}
      ${
        cases.some(isOpen)
          ? ''
          : html`<form @submit=${(e: Event) => this.open(e)}>
              <label>Customer’s reason <textarea name="reason" required maxlength="2000"></textarea></label>
              <button type="submit">Open dispute</button>
            </form>`
      }
    </section>`;
  }
}

customElements.define('bd-dispute-cases', BdDisputeCases);
