import { html } from 'lit';
import '../embed/balance.js';
import type { BurndownBalance } from '../embed/balance.js';
import type { Grant } from '../embed/grants.js';
import type { RechargeSettings } from '../embed/auto-recharge.js';
import '../embed/history.js';
import type { BurndownHistory, Entry } from '../embed/history.js';
import { formatCredits, formatDate, formatDateTime, formatMoney } from '../shared/format.js';
import './account-actions.js';
import type { AccountAction } from './account-actions.js';
import { renderApprovalRows, type Approval } from './approvals.js';
import { can, consoleLink } from './session.js';
import { ConsoleView } from './view.js';

interface Hold {
  id: string;
  creditType: string;
  amount: string;
  feature: string | null;
  expiresAt: string | null;
  createdAt: string;
}
interface AuditRecord {
  id: string;
  occurredAt: string;
  actor: string;
  action: string;
  targetId: string;
  reason: string | null;
}
interface Data {
  account: { id: string; name: string; parentId: string | null; enforcementMode: string | null; metadata: Record<string, unknown> };
  grants: Grant[];
  holds: Hold[];
  recharge: { data: RechargeSettings[]; flags: { flag?: string; reason?: string }[] };
  audit: AuditRecord[];
  approvals: Approval[];
  creditTypes: string[];
}

/** <bd-account-page>: one account for support: balances (live), grants, holds, history, auto-recharge, flags, approvals, audit trail, and the actions. */
export class BdAccountPage extends ConsoleView {
  static override properties = {
    ...ConsoleView.properties,
    accountId: {},
    data: { state: true },
    action: { state: true },
  };
  declare accountId: string;
  declare data: Data | undefined;
  declare action: AccountAction | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private get base() {
    return `/v1/accounts/${encodeURIComponent(this.accountId)}`;
  }

  private async load() {
    const c = this.session.client;
    const approvals = can.seeApprovals(this.session.me)
      ? c.get<{ data: Approval[] }>(`/v1/approvals?status=pending&accountId=${encodeURIComponent(this.accountId)}`).then((r) => r.data)
      : Promise.resolve([]);
    const data = await this.run(async () => {
      const [account, grants, holds, recharge, audit, pending, types] = await Promise.all([
        c.get<Data['account']>(this.base),
        c.get<{ data: Grant[] }>(`${this.base}/grants?limit=200`),
        c.get<{ data: Hold[] }>(`${this.base}/holds`),
        c.get<Data['recharge']>(`${this.base}/auto-recharge`),
        c.get<{ data: AuditRecord[] }>(`${this.base}/audit?limit=20`),
        approvals,
        c.get<{ data: { id: string }[] }>('/v1/credit-types'),
      ]);
      return {
        account,
        grants: grants.data,
        holds: holds.data,
        recharge,
        audit: audit.data,
        approvals: pending,
        creditTypes: types.data.map((t) => t.id),
      };
    });
    if (data) this.data = data;
  }

  private done(e: CustomEvent<string>) {
    this.action = undefined;
    this.notice = { ok: true, text: e.detail };
    void this.load();
    void this.renderRoot.querySelector<BurndownBalance>('burndown-balance')?.reload();
    void this.renderRoot.querySelector<BurndownHistory>('burndown-history')?.reload();
  }

  override render() {
    const d = this.data;
    const act = can.actOnAccounts(this.session.me);
    if (!d)
      return html`<h1>Account ${this.accountId}</h1>
        ${this.renderNotice()}
        <p class="muted" aria-busy="true">Loading…</p>`;
    const flags = d.recharge.flags;
    return html`<h1>${d.account.name} <span class="muted">(${d.account.id})</span></h1>
      <div class="row">
        ${d.account.parentId ? html`<span class="muted">Pool parent: ${d.account.parentId}</span>` : ''}
        ${act ? html`<button @click=${() => (this.action = { kind: 'grant' })}>Grant credits…</button>` : ''}
      </div>
      ${this.renderNotice()}
      ${
        this.action
          ? html`<bd-account-action
              .session=${this.session}
              .accountId=${this.accountId}
              .action=${this.action}
              .creditTypes=${d.creditTypes}
              @done=${(e: CustomEvent<string>) => this.done(e)}
              @cancel=${() => (this.action = undefined)}
            ></bd-account-action>`
          : ''
      }
      <burndown-balance
        .client=${this.session.client}
        .accountId=${this.accountId}
        .locale=${navigator.language}
        refresh-seconds="2"
      ></burndown-balance>
      ${flags.length ? html`<div class="card error" role="status">Flags: ${flags.map((f) => f.flag ?? JSON.stringify(f)).join(', ')}</div>` : ''}
      ${
        d.approvals.length
          ? html`<section class="card" aria-labelledby="pending-title">
              <h2 id="pending-title">Waiting for approval</h2>
              <table>
                ${renderApprovalRows(d.approvals)}
              </table>
            </section>`
          : ''
      }
      ${this.renderGrants(d, act)} ${this.renderHolds(d)}
      <burndown-history
        .client=${this.session.client}
        .accountId=${this.accountId}
        .locale=${navigator.language}
        .transactionLink=${(id: string) => consoleLink(`/console/transactions/${encodeURIComponent(id)}`, id)}
        .rowActions=${act ? (e: Entry) => (e.type === 'burn' || e.type === 'commit' ? html`<button class="secondary" @click=${() => (this.action = { kind: 'refund', transactionId: e.transactionId, label: e.transactionId })}>Refund…</button>` : '') : undefined}
      ></burndown-history>
      <section class="card" aria-labelledby="recharge-title">
        <h2 id="recharge-title">Auto-recharge</h2>
        ${
          d.recharge.data.length === 0
            ? html`<p class="muted">Not set.</p>`
            : d.recharge.data.map(
                (r) =>
                  html`<p>
                    ${r.creditType}: ${r.enabled ? (r.paused ? 'paused (failed payment)' : 'on') : 'off'}, below ${r.threshold} buy
                    ${r.quantity} × ${r.bundleId}, cap ${formatMoney(r.monthlyCap.amount, r.monthlyCap.currency, navigator.language)}/month
                  </p>`,
              )
        }
      </section>
      <section class="card" aria-labelledby="audit-title">
        <h2 id="audit-title">Audit trail</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            ${d.audit.map(
              (a) =>
                html`<tr>
                  <td>${formatDateTime(a.occurredAt, navigator.language)}</td>
                  <td>${a.actor}</td>
                  <td>${a.action}</td>
                  <td>${a.targetId}</td>
                  <td>${a.reason ?? ''}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </section>`;
  }

  private renderGrants(d: Data, act: boolean) {
    return html`<section class="card" aria-labelledby="grants-title">
      <h2 id="grants-title">Grants</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Grant</th>
            <th scope="col">Source</th>
            <th scope="col" class="num">Priority</th>
            <th scope="col" class="num">Remaining / granted</th>
            <th scope="col">Expires</th>
            <th scope="col">Status</th>
            ${act ? html`<th scope="col">Actions</th>` : ''}
          </tr>
        </thead>
        <tbody>
          ${d.grants.map(
            (g) =>
              html`<tr data-grant-id=${g.id}>
                <td>
                  ${g.id}
                  <div class="muted">${g.reason ?? ''}</div>
                </td>
                <td>${g.source}</td>
                <td class="num">${g.priority}</td>
                <td class="num">
                  ${formatCredits(g.remaining, navigator.language)} / ${formatCredits(g.amount, navigator.language)} ${g.creditType}
                </td>
                <td>${g.expiresAt ? formatDate(g.expiresAt, navigator.language) : 'never'}</td>
                <td>${g.status}</td>
                ${
                  act
                    ? html`<td>
                        ${
                          g.status === 'active'
                            ? html`<button class="secondary" @click=${() => (this.action = { kind: 'void', grantId: g.id, label: g.id })}>
                                  Void…
                                </button>
                                <button
                                  class="secondary"
                                  @click=${() => (this.action = { kind: 'expiry', grantId: g.id, label: g.id, expiresAt: g.expiresAt })}
                                >
                                  Expiry…
                                </button>`
                            : ''
                        }
                      </td>`
                    : ''
                }
              </tr>`,
          )}
        </tbody>
      </table>
    </section>`;
  }

  private renderHolds(d: Data) {
    return html`<section class="card" aria-labelledby="holds-title">
      <h2 id="holds-title">Active holds</h2>
      ${
        d.holds.length === 0
          ? html`<p class="muted">None.</p>`
          : html`<table>
              <thead>
                <tr>
                  <th scope="col">Hold</th>
                  <th scope="col" class="num">Amount</th>
                  <th scope="col">Feature</th>
                  <th scope="col">Expires</th>
                </tr>
              </thead>
              <tbody>
                ${d.holds.map(
                  (h) =>
                    html`<tr>
                      <td>${h.id}</td>
                      <td class="num">${h.amount} ${h.creditType}</td>
                      <td>${h.feature ?? ''}</td>
                      <td>${h.expiresAt ? formatDateTime(h.expiresAt, navigator.language) : 'no TTL'}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
    </section>`;
  }
}

customElements.define('bd-account-page', BdAccountPage);
