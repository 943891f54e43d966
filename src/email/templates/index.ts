import type { EmailKind } from '../kinds.js';
import type { EmailTemplate } from '../render.js';
import { creditsExpiring } from './credits-expiring.js';
import { depleted } from './depleted.js';
import { disputeUpdate } from './dispute-update.js';
import { lowBalance } from './low-balance.js';
import { purchaseReceipt } from './purchase-receipt.js';
import { rechargeActionRequired } from './recharge-action-required.js';
import { rechargeFailed } from './recharge-failed.js';
import { trialEnding } from './trial-ending.js';

/** One template per kind; the Record type makes a kind without a template a compile error. */
export const emailTemplates: Record<EmailKind, EmailTemplate> = {
  low_balance: lowBalance,
  depleted,
  credits_expiring: creditsExpiring,
  trial_ending: trialEnding,
  purchase_receipt: purchaseReceipt,
  recharge_failed: rechargeFailed,
  recharge_action_required: rechargeActionRequired,
  dispute_update: disputeUpdate,
};
