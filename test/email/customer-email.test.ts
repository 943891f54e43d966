import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailDeliveryWorkflowId, WORKFLOW_TYPES } from '../../src/contracts/index.js';
import { inTransaction } from '../../src/db/transaction.js';
import { createMailSender } from '../../src/email/transport.js';
import { createAccount, deduct, issueGrant, type LedgerDeps } from '../../src/ledger/index.js';
import { createBalanceAlertObserver } from '../../src/notifications/balance-alerts.js';
import { writeOutboxEvent } from '../../src/outbox/outbox.js';
import { call, useApi } from '../helpers/api.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { testNotificationDeps } from '../helpers/notifications.js';
import { SmtpCatcher } from '../helpers/smtp.js';
import { recordHistory, useTemporalWorker } from '../helpers/temporal.js';

const f = useLedgerFixture();
const api = useApi(f);
const smtp = new SmtpCatcher();
const MAX_AGE_MS = 20_000;
// Started before the worker's beforeAll builds the deps, which need its port.
beforeAll(() => smtp.start());
afterAll(() => smtp.stop());
const t = useTemporalWorker(() => ({ ledger: f.deps, notifications: notificationDeps() }));

// A real SMTP server on a free port; a max age long enough for the server that is down a while.
const notificationDeps = () =>
  testNotificationDeps(f.deps.db, t, {
    retry: { initialMs: 200, maxIntervalMs: 800, maxAgeMs: MAX_AGE_MS },
    email: {
      sender: createMailSender({
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: smtp.port,
        SMTP_SECURE: false,
        SMTP_USER: undefined,
        SMTP_PASSWORD: undefined,
        EMAIL_FROM: 'Acme Billing <billing@acme.test>',
        EMAIL_SANDBOX_DIR: '.data/unused',
      }),
    },
  });

const alerting = (): LedgerDeps => ({ ...f.deps, observers: [createBalanceAlertObserver({ lowThreshold: 10, rearmPercent: 20 })] });

async function relay(name: string) {
  const handle = await t.client.workflow.start(WORKFLOW_TYPES.outboxRelay, {
    taskQueue: t.taskQueue,
    workflowId: `relay-${name}-${Date.now()}`,
    args: [],
  });
  await handle.result();
  return handle;
}

const mailsOf = (accountId: string) =>
  f.deps.db.selectFrom('email_deliveries').selectAll().where('account_id', '=', accountId).orderBy('recipient').execute();

async function settle(accountId: string) {
  const handles = (await mailsOf(accountId)).map((d) => t.client.workflow.getHandle(emailDeliveryWorkflowId(d.id)));
  return Promise.all(handles.map((h) => h.result()));
}

async function setEmail(accountId: string, body: object, key?: string) {
  const res = await call(api, 'PATCH', `/v1/accounts/${accountId}/email-settings`, { body, ...(key && { key }) });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

async function purchase(accountId: string, id: string) {
  await inTransaction(f.deps.db, (tx) =>
    writeOutboxEvent(tx, {
      id: `purchase.succeeded:${id}`,
      accountId,
      type: 'purchase.succeeded',
      payload: { id, accountId, creditType: 'ai', credits: '1000.00', amount: { amount: '1234.50', currency: 'EUR' } },
      occurredAt: new Date(),
    }),
  );
}

describe('customer email (real SMTP server, real Temporal, real PostgreSQL)', () => {
  it('sends a low-balance mail caused by a burn to each recipient, in their language, as text and escaped HTML', async () => {
    const acct = `acct_mail_${Date.now()}`;
    await createAccount(f.deps.db, { id: acct, name: 'Acme <b>&</b> Co' });
    await setEmail(acct, {
      recipients: [
        { email: `ops-${acct}@acme.test`, locale: 'de-AT' },
        { email: `cfo-${acct}@acme.test`, locale: 'fr' },
      ],
    });
    await issueGrant(alerting(), { accountId: acct, creditType: 'ai', amount: '1020', source: 'purchase' }, actor);
    await deduct(alerting(), { accountId: acct, creditType: 'ai', amount: '1012.50' }, actor);

    const relayHandle = await relay('low');
    expect(await settle(acct)).toEqual(['sent', 'sent']);
    await recordHistory(t.client.workflow.getHandle(emailDeliveryWorkflowId((await mailsOf(acct))[0]!.id)), 'email-delivery');
    await recordHistory(relayHandle, 'outbox-relay-email');

    const [de] = smtp.to(`ops-${acct}@acme.test`);
    expect(de!.parsed.subject).toBe('Niedriges Guthaben: noch 7,50 ai-Credits');
    expect(de!.parsed.from?.text).toBe('"Acme Billing" <billing@acme.test>');
    expect(de!.parsed.text).toContain('Ihr Guthaben an ai-Credits beträgt 7,50 und liegt damit unter Ihrer Warnschwelle von 10,00.');
    expect(de!.parsed.text).toContain('Hallo Acme <b>&</b> Co,');
    expect(de!.parsed.html).toContain('Hallo Acme &#60;b&#62;&#38;&#60;/b&#62; Co,');
    expect(de!.parsed.html).not.toContain('<b>');
    expect(de!.parsed.headers.get('content-language')).toBe('de');
    // fr has no template yet: English.
    const [en] = smtp.to(`cfo-${acct}@acme.test`);
    expect(en!.parsed.subject).toBe('Low balance: 7.50 ai credits left');
    expect(en!.parsed.html).toContain('<html lang="en">');
    expect(await mailsOf(acct)).toEqual([
      expect.objectContaining({ kind: 'low_balance', status: 'sent', attempts: 1, last_error: null }),
      expect.objectContaining({ kind: 'low_balance', status: 'sent', attempts: 1, last_error: null }),
    ]);
  });

  it('sends a purchase receipt with amounts from decimal strings; an opted-out kind is not sent, and an opt-out stops a queued mail', async () => {
    const acct = await newAccount(f.deps);
    const to = `billing-${acct}@acme.test`;
    const customer = await api.key(['customer'], acct);
    const other = await api.key(['customer'], await newAccount(f.deps));
    await setEmail(acct, { recipients: [{ email: to, locale: 'de' }] }, customer);
    expect((await call(api, 'GET', `/v1/accounts/${acct}/email-settings`, { key: other })).status).toBe(404);

    await purchase(acct, `pur_${acct}_1`);
    await relay('receipt');
    expect(await settle(acct)).toEqual(['sent']);
    const [receipt] = smtp.to(to);
    expect(receipt!.parsed.subject).toBe('Beleg: 1.000,00 ai-Credits');
    expect(receipt!.parsed.text).toContain(`Bezahlter Betrag: 1.234,50 EUR. Referenz: pur_${acct}_1.`);
    expect(receipt!.parsed.html).toContain('Bezahlter Betrag: 1.234,50 EUR.');

    // The customer turns receipts off: the next purchase queues no mail.
    const saved = await setEmail(acct, { optOut: ['purchase_receipt'] }, customer);
    expect(saved).toMatchObject({ recipients: [{ email: to, locale: 'de' }], optOut: ['purchase_receipt'] });
    await purchase(acct, `pur_${acct}_2`);
    await relay('opted-out');
    expect(await mailsOf(acct)).toHaveLength(1);

    // Opted in again, a mail is queued; opting out before it is sent cancels it.
    await setEmail(acct, { optOut: [] }, customer);
    await purchase(acct, `pur_${acct}_3`);
    const { dispatchOutboxBatch } = await import('../../src/notifications/relay.js');
    expect((await dispatchOutboxBatch(f.deps.db, { limit: 100, graceSeconds: 300 })).emailsQueued).toBe(1);
    await setEmail(acct, { optOut: ['purchase_receipt'] }, customer);
    await relay('cancelled');
    expect((await settle(acct)).sort()).toEqual(['gone', 'sent']);
    expect(smtp.to(to)).toHaveLength(1);
    expect((await mailsOf(acct)).map((d) => d.status).sort()).toEqual(['cancelled', 'sent']);
    const cancelled = await call(api, 'GET', `/v1/accounts/${acct}/email-deliveries?status=cancelled`, { key: customer });
    expect(cancelled.body!.data).toEqual([
      expect.objectContaining({ kind: 'purchase_receipt', recipient: to, status: 'cancelled', attempts: 0 }),
    ]);
    expect((await call(api, 'GET', `/v1/accounts/${acct}/email-deliveries`, { key: other })).status).toBe(404);

    const audit = await call(api, 'GET', `/v1/audit?accountId=${acct}&action=email_settings.set`);
    expect(audit.status).toBe(200);
    expect(audit.body!.data).toHaveLength(4);
    expect(audit.body!.data[0]).toMatchObject({ before: { optOut: [] }, after: { optOut: ['purchase_receipt'] } });
  });

  it('retries a mail the server refuses (451) and one it cannot reach, then delivers each exactly once', async () => {
    const acct = await newAccount(f.deps);
    const to = `retry-${acct}@acme.test`;
    await setEmail(acct, { recipients: [{ email: to, locale: 'en' }] });
    smtp.refuse(to, 2);
    await purchase(acct, `pur_${acct}_busy`);
    await relay('busy');
    expect(await settle(acct)).toEqual(['sent']);
    expect(smtp.to(to)).toHaveLength(1);
    expect((await mailsOf(acct))[0]).toMatchObject({ status: 'sent', attempts: 3, last_error: null });
    await recordHistory(t.client.workflow.getHandle(emailDeliveryWorkflowId((await mailsOf(acct))[0]!.id)), 'email-delivery-retried');

    // The server is down: attempts fail until it is back on its port.
    await smtp.stop();
    await purchase(acct, `pur_${acct}_down`);
    await relay('down');
    const down = (await mailsOf(acct)).find((d) => d.status === 'pending')!;
    await expect
      .poll(async () => (await mailsOf(acct)).find((d) => d.id === down.id)!.attempts, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(2);
    expect((await mailsOf(acct)).find((d) => d.id === down.id)!.last_error).toMatch(/ECONNECTION|ESOCKET/);
    await smtp.start();
    expect(await t.client.workflow.getHandle(emailDeliveryWorkflowId(down.id)).result()).toBe('sent');
    const listed = await call(api, 'GET', `/v1/accounts/${acct}/email-deliveries`);
    expect(listed.body!.data.map((d: { status: string; attempts: number }) => d.status)).toEqual(['sent', 'sent']);
    expect(smtp.to(to)).toHaveLength(2);
    expect(new Set(smtp.to(to).map((m) => m.parsed.messageId)).size).toBe(2);
  });

  it('deduplicates: a relay that sees the same events again queues and sends nothing more', async () => {
    const acct = await newAccount(f.deps);
    const to = `dedup-${acct}@acme.test`;
    await setEmail(acct, { recipients: [{ email: to, locale: 'en' }] });
    await purchase(acct, `pur_${acct}_once`);
    await relay('first');
    const [event] = await f.deps.db
      .selectFrom('outbox_events')
      .select('seq')
      .where('id', '=', `purchase.succeeded:pur_${acct}_once`)
      .execute();
    // Forget that the event was relayed, as a relay whose marks were lost would.
    await f.deps.db.deleteFrom('outbox_dispatches').where('seq', '=', event!.seq).execute();
    const { dispatchOutboxBatch } = await import('../../src/notifications/relay.js');
    const again = await dispatchOutboxBatch(f.deps.db, { limit: 500, graceSeconds: 300 });
    expect(again.dispatched).toBeGreaterThanOrEqual(1);
    expect(again.emailsQueued).toBe(0);
    await relay('second');
    expect(await settle(acct)).toEqual(['sent']);
    expect(smtp.to(to)).toHaveLength(1);
  });

  it('writes mails to the sandbox folder when no SMTP server is configured', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'burndown-mail-'));
    const sender = createMailSender({
      SMTP_HOST: undefined,
      SMTP_PORT: 587,
      SMTP_SECURE: false,
      SMTP_USER: undefined,
      SMTP_PASSWORD: undefined,
      EMAIL_FROM: 'Burndown <billing@burndown.localhost>',
      EMAIL_SANDBOX_DIR: dir,
    });
    await sender.send({ deliveryId: 'em_sandbox', to: 'a@b.test', subject: 'Hi', text: 'plain', html: '<p>html</p>', headers: {} });
    expect(await readdir(dir)).toEqual(['em_sandbox.eml']);
    const eml = await readFile(join(dir, 'em_sandbox.eml'), 'utf8');
    expect(eml).toContain('Subject: Hi');
    expect(eml).toContain('Message-ID: <em_sandbox@burndown.mail>');
    expect(eml).toMatch(/text\/plain[\s\S]*text\/html/);
  });
});

describe('customer email and GDPR erasure', () => {
  it('erasure removes the recipients, the addresses in the mail history and in the audit log', async () => {
    const acct = await newAccount(f.deps);
    const to = `erase-${acct}@acme.test`;
    await setEmail(acct, { recipients: [{ email: to, locale: 'en' }] });
    await purchase(acct, `pur_${acct}_erase`);
    await relay('erase');
    expect(await settle(acct)).toEqual(['sent']);
    expect((await call(api, 'POST', `/v1/accounts/${acct}/erasure`)).status).toBe(200);

    expect((await call(api, 'GET', `/v1/accounts/${acct}/email-settings`)).body).toMatchObject({ recipients: [] });
    const [mail] = await mailsOf(acct);
    expect(mail).toMatchObject({ status: 'sent', kind: 'purchase_receipt', recipient: `erased:${mail!.id}` });
    const audit = await call(api, 'GET', `/v1/audit?accountId=${acct}&action=email_settings.set`);
    expect(JSON.stringify(audit.body)).not.toContain(to);
  });
});
