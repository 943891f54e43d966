import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { fileAdapter } from '../../src/finance/adapters/file.js';
import { createAccount, deduct, issueGrant } from '../../src/ledger/index.js';
import { useApi } from '../helpers/api.js';
import { collectPageErrors, expectAccessible, useBrowser } from '../helpers/browser.js';
import { actor, useLedgerFixture } from '../helpers/ledger.js';
import { useTemporalWorker } from '../helpers/temporal.js';
import { waitForText } from './page-helpers.js';

const f = useLedgerFixture();
const taskQueue = `ui-console-${randomBytes(4).toString('hex')}`;
const exportDir = join(tmpdir(), `burndown-ui-${process.pid}-${randomBytes(3).toString('hex')}`);
const api = useApi(f, { TEMPORAL_TASK_QUEUE: taskQueue, GRANT_APPROVAL_LIMITS: '{"support":"1000","admin":"100000"}' });
useTemporalWorker(
  () => ({
    ledger: f.deps,
    finance: {
      accountsFile: 'accounting/accounts.yaml',
      fxRatesFile: 'accounting/fx-rates.yaml',
      adapter: fileAdapter(exportDir),
      lateEventWindowMs: 7 * 86_400_000,
    },
  }),
  taskQueue,
);
const b = useBrowser();

/** A browser context of its own (one person), signed in to /console with a key. */
async function signedIn(browser: Browser, key: string, path = '/console'): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', acceptDownloads: true });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await page.goto(`${api.baseUrl}${path}`);
  await page.locator('input[name="key"]').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await waitForText(page.locator('header .who'), '·');
  // The key is kept for this tab only.
  expect(await page.evaluate('[sessionStorage.length, localStorage.length]')).toEqual([1, 0]);
  return { page, errors };
}

describe('the support console (real Chromium, real API, real Temporal)', () => {
  it('support grants above the limit, an approver in another browser approves, the balance follows; void and the audit trail; the dispute view', async () => {
    f.clock.set(new Date());
    const id = `ui-${randomBytes(3).toString('hex')}`;
    await createAccount(f.deps.db, { id, name: 'Initech Labs' });
    await issueGrant(
      f.deps,
      { accountId: id, creditType: 'ai', amount: '100', source: 'purchase', costBasis: { amount: '5.00', currency: 'USD' } },
      actor,
    );
    const promo = await issueGrant(
      f.deps,
      { accountId: id, creditType: 'ai', amount: '40', source: 'promo', expiresAt: new Date(Date.now() + 30 * 86_400_000) },
      actor,
    );
    await deduct(f.deps, { accountId: id, creditType: 'ai', amount: '15' }, { ...actor, feature: 'chat' });

    const support = await signedIn(b.browser, await api.key(['support'], undefined, 'sam@example.com'));
    const nav = await support.page.locator('nav[aria-label="Console"]').innerText();
    expect(nav).toContain('Accounts');
    expect(nav).not.toContain('Finance');
    await support.page.locator('input[name="q"]').fill('initech');
    await support.page.getByRole('button', { name: 'Search' }).click();
    await support.page.getByRole('link', { name: id }).click();
    const amount = support.page.locator('[part="amount"][data-credit-type="ai"]');
    await waitForText(amount, '125');

    // Above the support limit of 1,000: pending.
    await support.page.getByRole('button', { name: 'Grant credits…' }).click();
    const form = support.page.locator('bd-account-action form');
    await form.locator('input[name="amount"]').fill('5000');
    await form.locator('select[name="reasonCode"]').selectOption('service_outage');
    await form.locator('input[name="reason"]').fill('Outage on 3 March');
    await form.getByRole('button', { name: 'Grant credits' }).click();
    await waitForText(support.page.locator('.notice'), 'waiting for approval');
    await waitForText(support.page.locator('[data-approval-id]'), 'Outage on 3 March');
    await expectAccessible(support.page, 'console account page');

    // An approver, in a second browser context, approves it.
    const approver = await signedIn(b.browser, await api.key(['approver'], undefined, 'ann@example.com'));
    expect(await approver.page.locator('nav[aria-label="Console"]').innerText()).not.toContain('Accounts');
    await waitForText(approver.page.locator('h1'), 'Approvals');
    const row = approver.page.locator('[data-approval-id]', { hasText: id });
    await waitForText(row, 'sam@example.com');
    expect(await row.innerText()).toMatch(/5,000 ai[\s\S]*service_outage[\s\S]*Outage on 3 March/);
    await expectAccessible(approver.page, 'console approvals');
    await row.getByRole('button', { name: 'Approve' }).click();
    await waitForText(approver.page.locator('.notice'), 'Approved');

    // Support's page follows without a reload.
    await waitForText(amount, '5,125', 10_000);

    // Void the promo grant, with a reason: the result is shown, and the audit trail has it.
    await support.page.locator(`tr[data-grant-id="${promo.id}"]`).getByRole('button', { name: 'Void…' }).click();
    await form.locator('select[name="reasonCode"]').selectOption('billing_error');
    await form.locator('input[name="reason"]').fill('granted twice');
    await form.getByRole('button', { name: 'Void grant' }).click();
    await waitForText(support.page.locator('.notice'), `Voided ${promo.id}`);
    await waitForText(amount, '5,100', 10_000);
    await waitForText(support.page.locator('section[aria-labelledby="audit-title"]'), 'billing_error: granted twice');

    // The dispute view of the burn.
    await support.page.locator('burndown-history tr[data-entry-type="burn"] a').first().click();
    await waitForText(support.page.locator('h1'), 'deduct');
    await waitForText(support.page.locator('section[aria-labelledby="grants-title"]'), promo.id);
    expect(await support.page.locator('section[aria-labelledby="entries-title"]').innerText()).toContain('burn');
    await expectAccessible(support.page, 'console dispute view');

    // Support opens a dispute case on the burn and resolves it with a refund of the burn.
    const cases = support.page.locator('section[aria-labelledby="cases-title"]');
    await cases.locator('textarea[name="reason"]').fill('Customer says the report failed');
    await cases.getByRole('button', { name: 'Open dispute' }).click();
    await waitForText(cases, ': open');
    await cases.locator('textarea[name="explanation"]').fill('Crash on our side');
    await cases.getByRole('button', { name: 'Resolve with refund' }).click();
    await waitForText(cases, 'resolved: Crash on our side (refunded', 10_000);
    await expectAccessible(support.page, 'console dispute cases');

    expect([...support.errors, ...approver.errors]).toEqual([]);
    await support.page.context().close();
    await approver.page.context().close();
  });
});

describe('the finance page', () => {
  it('closes a small period, approved by another person, and downloads the journal CSV', async () => {
    // A small past month: a sale with cost basis, usage, all long before its late-event window ended.
    f.clock.set(new Date('2019-03-05T10:00:00Z'));
    const id = `fin-${randomBytes(3).toString('hex')}`;
    await createAccount(f.deps.db, { id, name: 'Finance Test' });
    await issueGrant(
      f.deps,
      { accountId: id, creditType: 'ai', amount: '1000', source: 'purchase', costBasis: { amount: '100.00', currency: 'USD' } },
      actor,
    );
    f.clock.set(new Date('2019-03-12T10:00:00Z'));
    await deduct(f.deps, { accountId: id, creditType: 'ai', amount: '250' }, { ...actor, feature: 'chat' });
    f.clock.set(new Date());

    const alice = await signedIn(b.browser, await api.key(['finance'], undefined, 'alice@example.com'), '/console/finance');
    await alice.page.locator('input[name="period"]').fill('2019-03');
    await alice.page.getByRole('button', { name: 'Start month-end close' }).click();
    await waitForText(alice.page.locator('.notice'), 'Close of 2019-03 started');
    const aliceRow = alice.page.locator('tr[data-period="2019-03"]');
    await waitForText(aliceRow.locator('.step'), 'awaiting_approval', 30_000);
    expect(await aliceRow.innerText()).toContain('another person approves');
    await expectAccessible(alice.page, 'finance page');

    const bob = await signedIn(b.browser, await api.key(['finance'], undefined, 'bob@example.com'), '/console/finance');
    const bobRow = bob.page.locator('tr[data-period="2019-03"]');
    await bobRow.getByRole('button', { name: 'Approve 2019-03' }).click();
    await waitForText(bob.page.locator('.notice'), 'Approved the journal of 2019-03');
    await waitForText(bobRow.locator('.status'), 'posted', 30_000);
    await waitForText(alice.page.locator('tr[data-period="2019-03"] .status'), 'posted', 10_000);

    await bobRow.getByRole('button', { name: 'Journal 2019-03' }).click();
    // Sold 1,000 credits for $100.00, burned 250: $25.00 recognized out of deferred revenue.
    await waitForText(bob.page.locator('bd-journal tr[data-account-code="4000"]'), '$25.00');
    await waitForText(bob.page.locator('bd-journal tr[data-account-code="1210"]'), '$100.00');
    await waitForText(bob.page.locator('section[aria-labelledby="revenue-title"]'), 'Revenue per month (USD)');
    const [download] = await Promise.all([
      bob.page.waitForEvent('download'),
      bob.page.getByRole('button', { name: 'Download QuickBooks CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('journal-2019-03.quickbooks.csv');
    const csv = await readFile(await download.path(), 'utf8');
    expect(csv).toContain('2400');
    expect(csv).toContain('25.00');
    expect(csv).toBe(await readFile(join(exportDir, 'journal-2019-03.quickbooks.csv'), 'utf8'));
    await expectAccessible(bob.page, 'finance page with journal and charts');

    expect([...alice.errors, ...bob.errors]).toEqual([]);
    await alice.page.context().close();
    await bob.page.context().close();
  });
});
