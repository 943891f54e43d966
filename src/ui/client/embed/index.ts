/**
 * /embed/burndown.js: the customer wallet as web components (Lit), one ES
 * module with everything inside (Lit, uPlot). Load it with
 * <script type="module" src="https://billing.example.com/embed/burndown.js">.
 */
export { BurndownWallet } from './wallet.js';
export { BurndownBalance } from './balance.js';
export { BurndownUsageChart } from './usage-chart.js';
export { BurndownGrants } from './grants.js';
export { BurndownHistory } from './history.js';
export { BurndownBuy } from './buy.js';
export { BurndownAutoRecharge } from './auto-recharge.js';
export { BurndownStatements } from './statements.js';
