import type { EmailTemplate } from '../render.js';

/** The trial's end ahead (`grant.expiring` of a trial grant), or its credits used up before it (`trial.depleted`). */
export const trialEnding: EmailTemplate = {
  kind: 'trial_ending',
  en: (m) =>
    m.eventType === 'trial.depleted'
      ? {
          subject: 'Your trial credits are used up',
          paragraphs: [
            `Hello ${m.accountName},`,
            `your ${m.text('creditType')} trial credits are used up; the trial would have run until ${m.date('endsAt')}.`,
            'Start your plan now (you can do so before the trial ends) or buy credits to continue.',
          ],
        }
      : {
          subject: `Your trial ends on ${m.date('expiresAt')}`,
          paragraphs: [
            `Hello ${m.accountName},`,
            `your trial ends on ${m.date('expiresAt')}; ${m.amount('remaining')} ${m.text('creditType')} trial credits are still unused and expire then.`,
            'Choose a plan or buy credits to continue without interruption.',
          ],
        },
  de: (m) =>
    m.eventType === 'trial.depleted'
      ? {
          subject: 'Ihre Test-Credits sind aufgebraucht',
          paragraphs: [
            `Hallo ${m.accountName},`,
            `Ihre ${m.text('creditType')}-Test-Credits sind aufgebraucht; die Testphase wäre bis zum ${m.date('endsAt')} gelaufen.`,
            'Starten Sie Ihren Tarif jetzt (auch vor dem Ende der Testphase) oder kaufen Sie Credits, um weiterzumachen.',
          ],
        }
      : {
          subject: `Ihre Testphase endet am ${m.date('expiresAt')}`,
          paragraphs: [
            `Hallo ${m.accountName},`,
            `Ihre Testphase endet am ${m.date('expiresAt')}; ${m.amount('remaining')} ${m.text('creditType')}-Test-Credits sind noch ungenutzt und verfallen dann.`,
            'Wählen Sie einen Tarif oder kaufen Sie Credits, um ohne Unterbrechung weiterzumachen.',
          ],
        },
};
