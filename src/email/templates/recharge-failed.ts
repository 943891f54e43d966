import type { EmailTemplate } from '../render.js';

export const rechargeFailed: EmailTemplate = {
  kind: 'recharge_failed',
  en: (m) => ({
    subject: `Automatic recharge of ${m.text('creditType')} credits failed`,
    paragraphs: [
      `Hello ${m.accountName},`,
      `we could not charge your payment method for an automatic recharge of ${m.text('creditType')} credits (${m.text('reason')}). Automatic recharge is paused.`,
      'Update your payment method and turn automatic recharge on again.',
    ],
  }),
  de: (m) => ({
    subject: `Automatische Aufladung von ${m.text('creditType')}-Credits fehlgeschlagen`,
    paragraphs: [
      `Hallo ${m.accountName},`,
      `wir konnten Ihre Zahlungsmethode für eine automatische Aufladung von ${m.text('creditType')}-Credits nicht belasten (${m.text('reason')}). Die automatische Aufladung ist pausiert.`,
      'Aktualisieren Sie Ihre Zahlungsmethode und schalten Sie die automatische Aufladung wieder ein.',
    ],
  }),
};
