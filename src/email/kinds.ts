/**
 * The kinds of customer email (issue 19) and the outbox events each is sent
 * for. A kind is what a recipient opts out of; one kind may cover several
 * events (a receipt for a purchase and for an automatic recharge). Test-mode
 * accounts get no mail, as Stripe sends none in test mode.
 */
export const emailKinds = [
  'low_balance',
  'depleted',
  'credits_expiring',
  'trial_ending',
  'purchase_receipt',
  'recharge_failed',
  'recharge_action_required',
  'dispute_update',
] as const;
export type EmailKind = (typeof emailKinds)[number];

/**
 * Event type → kind. `grant.expiring` of a trial grant is `trial_ending` instead (decided in SQL, src/email/queue.ts);
 * `trial_ending` covers every mail about a trial's end: the notice ahead of it and credits used up before it.
 */
export const kindOfEvent: Readonly<Record<string, EmailKind>> = {
  'balance.low': 'low_balance',
  'balance.depleted': 'depleted',
  'grant.expiring': 'credits_expiring',
  'trial.depleted': 'trial_ending',
  'purchase.succeeded': 'purchase_receipt',
  'recharge.succeeded': 'purchase_receipt',
  'recharge.failed': 'recharge_failed',
  'recharge.requires_action': 'recharge_action_required',
  'dispute.opened': 'dispute_update',
  'dispute.resolved': 'dispute_update',
};

export const emailLocales = ['en', 'de'] as const;
export type EmailLocale = (typeof emailLocales)[number];

/** A recipient's locale as the templates know it: `de-AT` → `de`, anything unknown → `en`. */
export function templateLocale(locale: string): EmailLocale {
  const language = locale.toLowerCase().split(/[-_]/)[0];
  return (emailLocales as readonly string[]).includes(language ?? '') ? (language as EmailLocale) : 'en';
}
