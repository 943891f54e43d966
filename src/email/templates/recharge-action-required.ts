import type { EmailTemplate } from '../render.js';

export const rechargeActionRequired: EmailTemplate = {
  kind: 'recharge_action_required',
  en: (m) => ({
    subject: `Please confirm your automatic recharge of ${m.text('creditType')} credits`,
    paragraphs: [
      `Hello ${m.accountName},`,
      `your bank asks you to confirm an automatic recharge of ${m.text('creditType')} credits (reference ${m.text('purchaseId')}). Until you confirm it, the credits are not added.`,
    ],
  }),
  de: (m) => ({
    subject: `Bitte bestätigen Sie Ihre automatische Aufladung von ${m.text('creditType')}-Credits`,
    paragraphs: [
      `Hallo ${m.accountName},`,
      `Ihre Bank bittet Sie, eine automatische Aufladung von ${m.text('creditType')}-Credits zu bestätigen (Referenz ${m.text('purchaseId')}). Bis dahin werden die Credits nicht gutgeschrieben.`,
    ],
  }),
};
