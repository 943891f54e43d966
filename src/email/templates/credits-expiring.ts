import type { EmailTemplate } from '../render.js';

export const creditsExpiring: EmailTemplate = {
  kind: 'credits_expiring',
  en: (m) => ({
    subject: `${m.amount('remaining')} ${m.text('creditType')} credits expire on ${m.date('expiresAt')}`,
    paragraphs: [
      `Hello ${m.accountName},`,
      `${m.amount('remaining')} of your ${m.text('creditType')} credits expire on ${m.date('expiresAt')}. Credits left at that time are removed from your balance.`,
    ],
  }),
  de: (m) => ({
    subject: `${m.amount('remaining')} ${m.text('creditType')}-Credits verfallen am ${m.date('expiresAt')}`,
    paragraphs: [
      `Hallo ${m.accountName},`,
      `${m.amount('remaining')} Ihrer ${m.text('creditType')}-Credits verfallen am ${m.date('expiresAt')}. Was dann noch übrig ist, wird Ihrem Guthaben abgezogen.`,
    ],
  }),
};
