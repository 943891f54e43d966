import { css, html } from 'lit';
import { theme } from '../shared/theme.js';
import './auto-recharge.js';
import './balance.js';
import './buy.js';
import './grants.js';
import './history.js';
import './statements.js';
import { WalletPart } from './part.js';
import './usage-chart.js';

/**
 * <burndown-wallet api-base="https://billing.example.com" token="bds_…">:
 * the whole customer wallet, each part of which is also an element of its
 * own. The token is a session token from POST /v1/accounts/{id}/session-tokens,
 * made by the embedding page's server; the wallet checks it first and shows
 * only a message (never data) when it has expired or is for another account.
 */
export class BurndownWallet extends WalletPart {
  static override properties = {
    ...WalletPart.properties,
    paymentMethod: { attribute: 'payment-method' },
    refreshSeconds: { attribute: 'refresh-seconds', type: Number },
    ready: { state: true },
  };
  declare paymentMethod: string | undefined;
  declare refreshSeconds: number;
  declare ready: boolean;

  static override styles = [
    theme,
    css`
      .wallet {
        display: grid;
        gap: var(--_gap);
      }
      .pair {
        display: grid;
        gap: var(--_gap);
        grid-template-columns: repeat(auto-fit, minmax(300px, 1fr));
      }
    `,
  ];

  constructor() {
    super();
    this.refreshSeconds = 1;
    this.ready = false;
  }

  protected async load(): Promise<void> {
    // One read before any part loads: an expired or foreign token ends here, with a message.
    await this.client!.get(this.path(''));
    this.ready = true;
  }

  private refreshParts = () => {
    for (const selector of ['burndown-history', 'burndown-grants', 'burndown-usage-chart']) {
      void this.renderRoot.querySelector<WalletPart>(selector)?.reload();
    }
  };

  override render() {
    if (this.failure) return this.renderFailure();
    if (!this.ready) return html`<div class="card muted" aria-busy="true">Loading your credits…</div>`;
    const common = { client: this.client, accountId: this.resolved, locale: this.locale };
    return html`<div class="wallet" part="wallet" @burndown-balance-change=${this.refreshParts}>
      <burndown-balance
        .client=${common.client}
        .accountId=${common.accountId}
        .locale=${common.locale}
        .refreshSeconds=${this.refreshSeconds}
        exportparts="balance-card, amount, expiring, burn-rate, message"
      ></burndown-balance>
      <burndown-usage-chart
        .client=${common.client}
        .accountId=${common.accountId}
        .locale=${common.locale}
        exportparts="usage, chart"
      ></burndown-usage-chart>
      <div class="pair">
        <burndown-buy
          .client=${common.client}
          .accountId=${common.accountId}
          .locale=${common.locale}
          .paymentMethod=${this.paymentMethod}
          exportparts="buy, button, purchase-status"
        ></burndown-buy>
        <burndown-auto-recharge
          .client=${common.client}
          .accountId=${common.accountId}
          .locale=${common.locale}
          exportparts="auto-recharge"
        ></burndown-auto-recharge>
      </div>
      <burndown-grants
        .client=${common.client}
        .accountId=${common.accountId}
        .locale=${common.locale}
        exportparts="grants, table"
      ></burndown-grants>
      <burndown-history
        .client=${common.client}
        .accountId=${common.accountId}
        .locale=${common.locale}
        exportparts="history, table"
      ></burndown-history>
      <burndown-statements
        .client=${common.client}
        .accountId=${common.accountId}
        .locale=${common.locale}
        exportparts="statements"
      ></burndown-statements>
    </div>`;
  }
}

if (!customElements.get('burndown-wallet')) customElements.define('burndown-wallet', BurndownWallet);
