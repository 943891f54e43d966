import type { Config } from '../config/config.js';
import { tracedGateway } from '../observability/spans.js';
import type { AccountingAdapter } from './adapters/adapter.js';
import { fileAdapter } from './adapters/file.js';
import { httpAdapter } from './adapters/http.js';

/** What the finance activities and routes need, taken from the configuration once. */
export interface FinanceSettings {
  accountsFile: string;
  fxRatesFile: string;
  adapter: AccountingAdapter;
  lateEventWindowMs: number;
}

export function financeSettings(config: Config): FinanceSettings {
  if (config.FINANCE_ADAPTER === 'http' && !config.FINANCE_POSTING_URL) {
    throw new Error('FINANCE_ADAPTER=http needs FINANCE_POSTING_URL. Example: FINANCE_POSTING_URL=https://ledger-gateway.internal/v1');
  }
  return {
    accountsFile: config.FINANCE_ACCOUNTS_FILE,
    fxRatesFile: config.FINANCE_FX_RATES_FILE,
    adapter: tracedGateway(
      'accounting',
      config.FINANCE_ADAPTER === 'http'
        ? httpAdapter({ baseUrl: config.FINANCE_POSTING_URL!, token: config.FINANCE_POSTING_TOKEN })
        : fileAdapter(config.FINANCE_EXPORT_DIR),
    ),
    lateEventWindowMs: config.LATE_EVENT_WINDOW_DAYS * 86_400_000,
  };
}
