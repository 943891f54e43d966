import type { EmailTemplate } from '../render.js';

export const lowBalance: EmailTemplate = {
  kind: 'low_balance',
  en: (m) => ({
    subject: `Low balance: ${m.amount('available')} ${m.text('creditType')} credits left`,
    paragraphs: [
      `Hello ${m.accountName},`,
      `your balance of ${m.text('creditType')} credits is ${m.amount('available')}, below your alert threshold of ${m.amount('threshold')}.`,
      'Top up or turn on automatic recharge to keep your service running.',
    ],
  }),
  de: (m) => ({
    subject: `Niedriges Guthaben: noch ${m.amount('available')} ${m.text('creditType')}-Credits`,
    paragraphs: [
      `Hallo ${m.accountName},`,
      `Ihr Guthaben an ${m.text('creditType')}-Credits beträgt ${m.amount('available')} und liegt damit unter Ihrer Warnschwelle von ${m.amount('threshold')}.`,
      'Laden Sie Guthaben auf oder aktivieren Sie die automatische Aufladung, damit Ihr Dienst weiterläuft.',
    ],
  }),
};
