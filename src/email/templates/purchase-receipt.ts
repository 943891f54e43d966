import type { EmailTemplate } from '../render.js';

export const purchaseReceipt: EmailTemplate = {
  kind: 'purchase_receipt',
  en: (m) => ({
    subject: `Receipt: ${m.amount('credits')} ${m.text('creditType')} credits`,
    paragraphs: [
      `Hello ${m.accountName},`,
      `thank you for your ${m.eventType === 'recharge.succeeded' ? 'automatic recharge' : 'purchase'}: ${m.amount('credits')} ${m.text('creditType')} credits were added to your balance.`,
      `Amount paid: ${m.amount('amount.amount')} ${m.text('amount.currency')}. Reference: ${m.text('id')}.`,
    ],
  }),
  de: (m) => ({
    subject: `Beleg: ${m.amount('credits')} ${m.text('creditType')}-Credits`,
    paragraphs: [
      `Hallo ${m.accountName},`,
      `vielen Dank für Ihre ${m.eventType === 'recharge.succeeded' ? 'automatische Aufladung' : 'Bestellung'}: ${m.amount('credits')} ${m.text('creditType')}-Credits wurden Ihrem Guthaben gutgeschrieben.`,
      `Bezahlter Betrag: ${m.amount('amount.amount')} ${m.text('amount.currency')}. Referenz: ${m.text('id')}.`,
    ],
  }),
};
