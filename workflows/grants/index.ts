/** The grant lifecycle workflows (R-G4 to R-G7). */
export { grantExpirySweepWorkflow, grantExpiryWorkflow } from './expiry.js';
export { grantApprovalWorkflow } from './approval.js';
export { subscriptionWorkflow } from './subscription.js';
export { trialWorkflow } from './trial.js';
