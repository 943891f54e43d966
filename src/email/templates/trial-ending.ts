import type { EmailTemplate } from '../render.js';

export const trialEnding: EmailTemplate = {
  kind: 'trial_ending',
  en: (m) => ({
    subject: `Your trial ends on ${m.date('expiresAt')}`,
    paragraphs: [
      `Hello ${m.accountName},`,
      `your trial ends on ${m.date('expiresAt')}; ${m.amount('remaining')} ${m.text('creditType')} trial credits are still unused and expire then.`,
      'Choose a plan or buy credits to continue without interruption.',
    ],
  }),
  de: (m) => ({
    subject: `Ihre Testphase endet am ${m.date('expiresAt')}`,
    paragraphs: [
      `Hallo ${m.accountName},`,
      `Ihre Testphase endet am ${m.date('expiresAt')}; ${m.amount('remaining')} ${m.text('creditType')}-Test-Credits sind noch ungenutzt und verfallen dann.`,
      'Wählen Sie einen Tarif oder kaufen Sie Credits, um ohne Unterbrechung weiterzumachen.',
    ],
  }),
};
