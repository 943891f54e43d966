export { rechargeWorkflow } from './recharge.js';
export { refundPurchaseWorkflow } from './refund.js';
export { rechargeScannerWorkflow } from './recharge-scanner.js';
