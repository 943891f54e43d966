export { monthEndCloseWorkflow } from './close.js';
export { financeReconciliationWorkflow } from './reconciliation.js';
