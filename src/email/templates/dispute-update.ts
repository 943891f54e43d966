import type { EmailTemplate, MailContext } from '../render.js';

const outcome = (m: MailContext) => (m.eventType === 'dispute.opened' ? 'opened' : m.text('outcome'));

export const disputeUpdate: EmailTemplate = {
  kind: 'dispute_update',
  en: (m) => {
    const state = { opened: 'was opened', resolved: 'was resolved in your favour', rejected: 'was rejected' }[outcome(m)] ?? 'changed';
    return {
      subject: `Your dispute ${m.text('disputeId')} ${state}`,
      paragraphs: [
        `Hello ${m.accountName},`,
        m.eventType === 'dispute.opened'
          ? `we received your dispute of ${m.amount('disputedAmount')} ${m.text('creditType')} credits and will answer by ${m.date('slaDueAt')}.`
          : `your dispute ${state}: ${m.text('explanation')}`,
        ...(m.text('refunded') ? [`${m.amount('refunded')} ${m.text('creditType')} credits were returned to your balance.`] : []),
      ],
    };
  },
  de: (m) => {
    const state =
      { opened: 'wurde eröffnet', resolved: 'wurde zu Ihren Gunsten entschieden', rejected: 'wurde abgelehnt' }[outcome(m)] ??
      'hat sich geändert';
    return {
      subject: `Ihre Reklamation ${m.text('disputeId')} ${state}`,
      paragraphs: [
        `Hallo ${m.accountName},`,
        m.eventType === 'dispute.opened'
          ? `wir haben Ihre Reklamation über ${m.amount('disputedAmount')} ${m.text('creditType')}-Credits erhalten und antworten bis zum ${m.date('slaDueAt')}.`
          : `Ihre Reklamation ${state}: ${m.text('explanation')}`,
        ...(m.text('refunded')
          ? [`${m.amount('refunded')} ${m.text('creditType')}-Credits wurden Ihrem Guthaben wieder gutgeschrieben.`]
          : []),
      ],
    };
  },
};
