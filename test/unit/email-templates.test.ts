import { describe, expect, it } from 'vitest';
import { emailKinds, emailLocales, kindOfEvent, templateLocale } from '../../src/email/kinds.js';
import { escapeHtml, formatDecimal, mailContext, renderMail } from '../../src/email/render.js';
import { emailTemplates } from '../../src/email/templates/index.js';

/** A payload with every field any template reads, values chosen to show grouping and escaping. */
const payload = {
  id: 'pur_1',
  purchaseId: 'pur_1',
  disputeId: 'dsp_1',
  creditType: 'ai',
  available: '1234567.5',
  threshold: '10000',
  remaining: '-0.25',
  credits: '1000.00',
  disputedAmount: '12.00',
  refunded: '12.00',
  amount: { amount: '99.90', currency: 'EUR' },
  reason: 'card_declined <script>',
  outcome: 'resolved',
  explanation: 'duplicate "burn" & refund',
  expiresAt: '2026-12-03T00:00:00Z',
  endsAt: '2026-12-04T00:00:00Z',
  slaDueAt: '2026-12-05T00:00:00Z',
};

describe('email templates', () => {
  it('regroups decimal strings as text, per locale, without a JS number', () => {
    expect(formatDecimal('1234567.5', 'en')).toBe('1,234,567.5');
    expect(formatDecimal('1234567.5', 'de')).toBe('1.234.567,5');
    expect(formatDecimal('-0.25', 'de')).toBe('-0,25');
    expect(formatDecimal('123', 'en')).toBe('123');
    // Beyond a double's precision: still exact.
    expect(formatDecimal('90071992547409931.01', 'en')).toBe('90,071,992,547,409,931.01');
    expect(formatDecimal('1e5', 'en')).toBe('?');
    expect(formatDecimal('', 'en')).toBe('');
  });

  it('falls back to en for unknown locales and uses the language of a regional tag', () => {
    expect(templateLocale('de-AT')).toBe('de');
    expect(templateLocale('DE_ch')).toBe('de');
    expect(templateLocale('fr')).toBe('en');
    expect(templateLocale('')).toBe('en');
  });

  it('has a template for every kind, and every event maps to a kind', () => {
    expect(Object.keys(emailTemplates).sort()).toEqual([...emailKinds].sort());
    for (const kind of Object.values(kindOfEvent)) expect(emailKinds).toContain(kind);
  });

  for (const kind of emailKinds) {
    for (const locale of emailLocales) {
      it(`renders ${kind} in ${locale}: subject, text and escaped HTML, no missing field`, () => {
        const eventType = Object.entries(kindOfEvent).find(([, k]) => k === kind)?.[0] ?? 'grant.expiring';
        const mail = renderMail(emailTemplates[kind], mailContext({ locale, accountName: 'A <i>&</i> B', eventType, data: payload }));
        expect(mail.locale).toBe(locale);
        expect(mail.subject.length).toBeGreaterThan(5);
        expect(mail.text).toContain('A <i>&</i> B');
        expect(mail.html).toContain(escapeHtml('A <i>&</i> B'));
        expect(mail.html).not.toMatch(/<(i|script)>/);
        for (const part of [mail.subject, mail.text]) expect(part).not.toMatch(/undefined|NaN|\?\s| {2}/);
      });
    }
  }

  for (const locale of emailLocales) {
    it(`renders trial.depleted (kind trial_ending) in ${locale}, apart from the notice ahead of the end`, () => {
      const ctx = (eventType: string) => mailContext({ locale, accountName: 'Acme', eventType, data: payload });
      const depleted = renderMail(emailTemplates.trial_ending, ctx('trial.depleted'));
      const ending = renderMail(emailTemplates.trial_ending, ctx('grant.expiring'));
      expect(depleted.subject).not.toBe(ending.subject);
      expect(depleted.text).toContain(locale === 'de' ? '4. Dezember 2026' : 'December 4, 2026');
      for (const part of [depleted.subject, depleted.text]) expect(part).not.toMatch(/undefined|NaN|\?\s| {2}/);
    });
  }
});
