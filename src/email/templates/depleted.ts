import type { EmailTemplate } from '../render.js';

export const depleted: EmailTemplate = {
  kind: 'depleted',
  en: (m) => ({
    subject: `Your ${m.text('creditType')} credits are used up`,
    paragraphs: [
      `Hello ${m.accountName},`,
      `your balance of ${m.text('creditType')} credits has reached ${m.amount('available')}. Usage that needs these credits may be refused until you top up.`,
    ],
  }),
  de: (m) => ({
    subject: `Ihre ${m.text('creditType')}-Credits sind aufgebraucht`,
    paragraphs: [
      `Hallo ${m.accountName},`,
      `Ihr Guthaben an ${m.text('creditType')}-Credits ist bei ${m.amount('available')} angekommen. Nutzung, die diese Credits braucht, kann bis zur nächsten Aufladung abgelehnt werden.`,
    ],
  }),
};
