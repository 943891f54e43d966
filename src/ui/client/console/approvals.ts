import { formFields } from '../shared/form.js';
import { html } from 'lit';
import { formatCredits, formatDateTime } from '../shared/format.js';
import { can } from './session.js';
import { ConsoleView } from './view.js';

export interface Approval {
  id: string;
  accountId: string;
  status: 'pending' | 'approved' | 'rejected';
  grant: { creditType: string; amount: string; source: string };
  reasonCode: string;
  reason: string;
  requestedBy: string;
  timeoutAt: string;
  decidedBy: string | null;
  grantId: string | null;
  createdAt: string;
}

/** The rows of a list of approvals; `actions` adds the approve/reject cell. */
export function renderApprovalRows(list: Approval[], actions?: (a: Approval) => unknown) {
  return html`<thead>
      <tr>
        <th scope="col">Requested</th>
        <th scope="col">By</th>
        <th scope="col">Account</th>
        <th scope="col" class="num">Amount</th>
        <th scope="col">Reason</th>
        <th scope="col">Decide before</th>
        ${actions ? html`<th scope="col">Decision</th>` : ''}
      </tr>
    </thead>
    <tbody>
      ${list.map(
        (a) =>
          html`<tr data-approval-id=${a.id}>
            <td>${formatDateTime(a.createdAt, navigator.language)}</td>
            <td>${a.requestedBy}</td>
            <td>${a.accountId}</td>
            <td class="num">${formatCredits(a.grant.amount, navigator.language)} ${a.grant.creditType} (${a.grant.source})</td>
            <td><strong>${a.reasonCode}</strong>: ${a.reason}</td>
            <td>${formatDateTime(a.timeoutAt, navigator.language)}</td>
            ${actions ? html`<td>${actions(a)}</td>` : ''}
          </tr>`,
      )}
    </tbody>`;
}

/** <bd-approvals>: the queue of support grants waiting for approval; approve or reject, never one's own. */
export class BdApprovals extends ConsoleView {
  static override properties = { ...ConsoleView.properties, pending: { state: true } };
  declare pending: Approval[] | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load() {
    const page = await this.run(() => this.session.client.get<{ data: Approval[] }>('/v1/approvals?status=pending&limit=100'));
    if (page) this.pending = page.data;
  }

  private async decide(a: Approval, decision: 'approve' | 'reject', reason: string) {
    const done = await this.run(
      () => this.session.client.post<Approval>(`/v1/approvals/${encodeURIComponent(a.id)}/${decision}`, reason ? { reason } : {}),
      (r) => `${decision === 'approve' ? 'Approved' : 'Rejected'} ${a.id}${r.body.grantId ? `: grant ${r.body.grantId} issued` : ''}.`,
    );
    if (done) await this.load();
  }

  private decision(a: Approval) {
    const me = this.session.me;
    if (!can.decideApprovals(me)) return html`<span class="muted">needs an approver</span>`;
    if (a.requestedBy === me.subject) return html`<span class="muted">your own request</span>`;
    return html`<form
      class="row"
      @submit=${(e: SubmitEvent) => {
        e.preventDefault();
        const reason = formFields(e)('reason');
        const which = (e.submitter as HTMLButtonElement | null)?.value === 'reject' ? 'reject' : 'approve';
        void this.decide(a, which, reason);
      }}
    >
      <label>Note <input name="reason" size="14" aria-label=${`Note on ${a.id}`} /></label>
      <button type="submit" value="approve">Approve</button>
      <button type="submit" value="reject" class="secondary">Reject</button>
    </form>`;
  }

  override render() {
    return html`<h1>Approvals</h1>
      ${this.renderNotice()}
      ${
        !this.pending
          ? html`<p class="muted" aria-busy="true">Loading…</p>`
          : this.pending.length === 0
            ? html`<p class="card">Nothing is waiting for approval.</p>`
            : html`<table class="card">
                ${renderApprovalRows(this.pending, (a) => this.decision(a))}
              </table>`
      }`;
  }
}

customElements.define('bd-approvals', BdApprovals);
