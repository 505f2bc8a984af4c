/**
 * The app's third version in Chromium against the real services (issue 25): reasons first when a code
 * cannot be installed; the instance list's count and pager on top, headers that sort, a row menu of only the
 * actions that apply (keyboard: ArrowDown opens, Enter acts, Escape goes back); a TERM license that ended
 * called Expired on the device and TERM ENDED in the list, one that ends soon warned about; and nothing wider
 * than the window at 1280x800, 800x600 and 200% zoom, light and dark. Screenshots: test-results/screenshots/v3-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { startHarness, RENDERER_DIR, type Harness } from './harness/server.ts';
import { closeBrowser, launchBrowser, CHROMIUM, type Look } from './harness/browser.ts';
import { expectAccessible, expectFits, screenshot } from './harness/page-helpers.ts';
import { slr } from '../helpers/cli.ts';
import { populate } from '../helpers/populate.ts';
import { openLedger } from '../../electron/authority/ledger.ts';
import { dropFile, rowAction } from './harness/page-helpers.ts';
import { scaled } from '../helpers/time-scale.ts';

const skip = process.env.SLR_SKIP_BROWSER === '1';
const T0 = Date.UTC(2026, 2, 2, 9);

/** The looks every new screen is measured in. */
const LOOKS: readonly (readonly [string, Look])[] = [
  ['1280x800', { viewport: { width: 1280, height: 800 } }],
  ['800x600', { viewport: { width: 800, height: 600 } }],
  ['200% zoom', { viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 }],
  ['dark 800x600', { viewport: { width: 800, height: 600 }, colorScheme: 'dark' }],
];

let root: string;
let device: Harness;
let authority: Harness;
/** The device that holds a TERM license (ending on 2026-04-30), its harness and serial number. */
let termDevice: Harness;
let termSn: string;
/** A device with an update waiting for its confirmation code, and a locked one. */
let updatedSn: string;
let lockedSn: string;
/** An authorization code made by the device's own License Central for another device. */
let otherCode: string;
/** The device's own authorization code. */
let ownCode: string;
const browsers: BrowserContext[] = [];

async function open(h: Harness, look: Look): Promise<Page> {
  const b = await launchBrowser(look);
  browsers.push(b);
  const page = b.pages()[0] ?? (await b.newPage());
  await page.goto(h.url);
  return page;
}

describe.skipIf(skip)('the app, third version, in Chromium', () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH).`);
    if (!existsSync(join(RENDERER_DIR, 'index.html'))) throw new Error('The renderer is not built: npm run build.');
    root = mkdtempSync(join(tmpdir(), 'slr-v3-'));
    let t = T0;
    const a = (...args: string[]) => slr(join(root, 'authority'), ['authority', ...args], (t += 60_000));
    const on =
      (dir: string) =>
      (...args: string[]) =>
        slr(join(root, dir), args, (t += 60_000));
    expect(a('init', '--account', 'Acme').status).toBe(0);
    expect(a('license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '9').status).toBe(0);
    expect(a('key', 'export', '--out', join(root, 'lc.pem')).status).toBe(0);
    /** A device trusting License Central, with a request reserved (`license`); its code, installed if asked. */
    const codeFor = (dir: string, license = 'UCM_Basic=2', install = false) => {
      const d = on(dir);
      expect(d('init', '--pid', 'UCM', '--trust', join(root, 'lc.pem')).status).toBe(0);
      expect(d('license', 'smart', 'reservation', 'enable').status).toBe(0);
      const request = d('license', 'smart', 'reservation', 'request').stdout.trim();
      const reserved = a('reserve', '--account', 'Default', '--request', request, '--license', license);
      expect(reserved.status, reserved.stderr).toBe(0);
      if (install) expect(d('license', 'smart', 'reservation', 'install', reserved.stdout.trim()).status).toBe(0);
      return reserved.stdout.trim();
    };
    ownCode = codeFor('device');
    otherCode = codeFor('other');
    const sn = (dir: string) => /S:([0-9a-f]{5})/.exec(on(dir)('show', 'license', 'udi').stdout)![1]!;
    // A TERM license, reserved and installed; an update not yet confirmed; an instance locked by wrong codes.
    expect(
      a('license', 'add', '--account', 'Default', '--tag', 'UCM_Enhanced', '--count', '3', '--type', 'TERM', '--start', '2026-03-01', '--end', '2026-04-30')
        .status,
    ).toBe(0);
    expect(
      a('license', 'add', '--account', 'Default', '--tag', 'UCM_Essential', '--count', '4', '--type', 'TERM', '--start', '2026-03-01', '--end', '2026-05-20')
        .status,
    ).toBe(0);
    codeFor('term', 'UCM_Enhanced=2', true);
    termSn = sn('term');
    codeFor('updated', 'UCM_Basic=1', true);
    const upd = on('updated');
    updatedSn = sn('updated');
    const update = a('update', '--instance', updatedSn, '--license', 'UCM_Basic=2');
    expect(update.status).toBe(0);
    const installed = upd('license', 'smart', 'reservation', 'install', update.stdout.trim());
    const confirmation = /[0-9A-Z]{5}(?:-[0-9A-Z]{1,5})+/.exec(installed.stdout)![0];
    // Its confirmation code entered five times for another device locks that one (and stays unentered for its own).
    lockedSn = sn('other');
    for (let k = 0; k < 5; k++) expect(a('confirm', '--instance', lockedSn, confirmation).status).not.toBe(0);
    const ledger = await openLedger({ dir: join(root, 'authority'), actor: 'test' });
    await populate(ledger, 60, { accounts: ['Lab 1'], at: T0 });
    await ledger.close();
    device = await startHarness(join(root, 'device'), join(root, 'device-usb'));
    device.setNow(t + 3_600_000);
    authority = await startHarness(join(root, 'authority'), join(root, 'authority-usb'));
    authority.setNow(Date.UTC(2026, 4, 2, 9));
    termDevice = await startHarness(join(root, 'term'), join(root, 'term-usb'));
  }, scaled(120_000));
  afterAll(async () => {
    for (const b of browsers) await b.close();
    await closeBrowser();
    await device?.close();
    await authority?.close();
    await termDevice?.close();
  });

  it.each(LOOKS)('a refused code says why first, shows no "if installed" table, and fits (%s)', async (name, look) => {
    const page = await open(device, look);
    await page.getByRole('textbox', { name: 'Authorization code' }).fill(otherCode);
    await page.getByRole('button', { name: 'Check code' }).click();
    const inspection = page.locator('section.inspection');
    await expect.poll(() => inspection.count()).toBe(1);
    const order = await inspection.evaluate((s) => [...s.children].map((c) => c.className || c.tagName.toLowerCase()));
    expect(order.slice(0, 3)).toEqual(['h4', 'notice notice-error', 'facts']);
    expect(await inspection.locator('.problems .reason').first().textContent()).toMatch(/^The authorization code is for another device/);
    expect(await inspection.locator('table.impact').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Install authorization code' }).isDisabled()).toBe(true);
    await screenshot(page, `v3-refused-${name.replace(/[^a-z0-9]+/gi, '-')}`);
    await expectFits(page, `refused code, ${name}`);
    await expectAccessible(page, `refused code, ${name}`);

    await page.getByRole('textbox', { name: 'Authorization code' }).fill(ownCode);
    await page.getByRole('button', { name: 'Check code' }).click();
    await expect.poll(() => inspection.locator('table.impact').count()).toBe(1);
    expect(await inspection.locator('.notice.error').count()).toBe(0);
    await screenshot(page, `v3-installable-${name.replace(/[^a-z0-9]+/gi, '-')}`);
    await expectFits(page, `installable code, ${name}`);
  });

  it('lists instances with the count on top, sortable headers, and a row menu of what applies', async () => {
    const page = await open(authority, LOOKS[0]![1]);
    await page.getByRole('tab', { name: 'License Authority' }).click();
    await page.getByRole('tab', { name: 'Product Instances' }).click();
    const top = page.getByRole('navigation', { name: 'Pages of product instances (top)' });
    await expect.poll(() => top.innerText()).toMatch(/1–50 of 64/);
    const table = page.getByTestId('instances-table');
    // Top of the page comes before the table; sorting by a header says so and turns the order round.
    expect(
      await page.evaluate(() => {
        const nav = document.querySelector('nav.pager')!;
        const t = document.querySelector('[data-testid="instances-table"]')!;
        return Boolean(nav.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING);
      }),
    ).toBe(true);
    const name = table.getByRole('columnheader', { name: /Name/ });
    expect(await name.getAttribute('aria-sort')).toBe('ascending');
    const firstSn = () => table.locator('tbody tr').first().getAttribute('data-sn');
    const ascending = await firstSn();
    await name.getByRole('button').click();
    await expect.poll(() => name.getAttribute('aria-sort')).toBe('descending');
    await expect.poll(firstSn).not.toBe(ascending);
    await name.getByRole('button').click();
    await expect.poll(firstSn).toBe(ascending);

    const shownSns = () => table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.sn));
    const menuItems = async (sn: string) => {
      await page.getByRole('searchbox').fill(sn);
      // The searched page alone (not the first page still on screen, whose rows move when it comes).
      await expect.poll(() => shownSns()).toEqual([sn]);
      const button = page.getByRole('button', { name: `Actions for ${sn}` });
      await button.focus();
      await page.keyboard.press('ArrowDown');
      const menu = page.getByRole('menu');
      await expect.poll(() => menu.count()).toBe(1);
      const items = await menu.getByRole('menuitem').allInnerTexts();
      // ArrowDown put the focus on the first item and fired nothing; Escape closes and goes back to the button.
      expect(await page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('menuitem');
      expect(await page.getByRole('dialog').isVisible()).toBe(false);
      await page.keyboard.press('Escape');
      await expect.poll(() => menu.count()).toBe(0);
      expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(`Actions for ${sn}`);
      return items;
    };
    expect(await menuItems(termSn)).toEqual([
      'Update Reserved Licenses…',
      'Remove…',
      'Rehost Licenses from a Failed Product…',
      'Transfer…',
      'Authorization Code',
    ]);
    expect(await menuItems(updatedSn)).toContain('Enter Confirmation Code…');
    const locked = await menuItems(lockedSn);
    expect(locked).not.toContain('Enter Confirmation Code…');
    expect(locked).not.toContain('Remove…');
    expect(locked.at(-1)).toBe('Unlock');
    expect(await table.locator(`tr[data-sn="${lockedSn}"]`).innerText()).toContain('Locked after too many wrong codes in a row');
    await screenshot(page, 'v3-instances-locked');

    // The TERM instance: License Central's clock is past the end; the row says so and counts 0 now.
    await page.getByRole('searchbox').fill(termSn);
    await expect.poll(() => shownSns()).toEqual([termSn]);
    const row = table.locator(`tr[data-sn="${termSn}"]`);
    await expect.poll(() => row.innerText()).toContain('TERM ENDED');
    expect(await row.innerText()).toMatch(/2 × UC Manager Enhanced License \(12\.x\): TERM ended Apr 30, 2026/);
    // Enter on the menu's second item acts: ArrowDown, ArrowDown, Enter opens Remove in the dialog.
    await page.getByRole('button', { name: `Actions for ${termSn}` }).focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect
      .poll(() =>
        page
          .getByRole('dialog')
          .getByRole('heading', { name: /^Remove/ })
          .count(),
      )
      .toBe(1);
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await screenshot(page, 'v3-instances-term-ended');
    await expectFits(page, 'instances');
    await expectAccessible(page, 'instances');
    // A refused code settles the form: its button is off until the code is changed (no second wrong code by a second click).
    await rowAction(page, termSn, 'Remove…');
    const dialog = page.getByRole('dialog');
    const removeButton = dialog.getByRole('button', { name: 'Remove Product Instance' });
    await dialog.getByRole('textbox', { name: 'Return code' }).fill('AAAAA-AAAAA-AAAAA');
    await removeButton.click();
    await expect.poll(() => dialog.getByRole('alert').count()).toBeGreaterThan(0);
    expect(await removeButton.isDisabled()).toBe(true);
    await dialog.getByRole('textbox', { name: 'Return code' }).fill('AAAAA-AAAAA-AAAAB');
    expect(await removeButton.isDisabled()).toBe(false);
    await screenshot(page, 'v3-remove-refused');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await rowAction(page, termSn, 'Authorization Code');
    await expect.poll(() => page.getByRole('dialog').getByTestId('code-authorization').count()).toBe(1);
  });

  it.each([
    ['ends in 11 days', Date.UTC(2026, 3, 20, 9), 'UC Manager Enhanced License (12.x): 11 days left', 'Apr 30, 2026 (11 days left)'],
    ['has ended', Date.UTC(2026, 4, 1, 9), 'UC Manager Enhanced License (12.x): Expired', 'Apr 30, 2026 (Expired)'],
  ])('a device whose TERM license %s says so, in the notice and in the usage table', async (_, now, title, cell) => {
    termDevice.setNow(now);
    const page = await open(termDevice, LOOKS[1]![1]);
    const notice = page.locator('.notice').filter({ hasText: title });
    await expect.poll(() => notice.count()).toBe(1);
    await page.getByRole('tab', { name: 'Usage' }).click();
    await expect.poll(() => page.getByRole('cell', { name: cell }).count()).toBe(1);
    await screenshot(page, `v3-term-${now < Date.UTC(2026, 4, 1) ? 'ends-soon' : 'expired'}`);
    await expectFits(page, `TERM ${title}`);
  });

  it.each(LOOKS)('the instance list fits (%s)', async (name, look) => {
    const page = await open(authority, look);
    await page.getByRole('tab', { name: 'License Authority' }).click();
    await page.getByRole('tab', { name: 'Product Instances' }).click();
    await expect.poll(() => page.locator('tbody tr[data-sn]').count()).toBe(50);
    await page
      .getByRole('button', { name: `Actions for ${termSn}` })
      .or(page.locator('tbody tr[data-sn] [aria-haspopup="menu"]').first())
      .first()
      .click();
    await screenshot(page, `v3-instances-${name.replace(/[^a-z0-9]+/gi, '-')}`);
    await expectFits(page, `instance list, ${name}`);
  });

  it('a code file dropped (or opened by the desktop) with no code field on screen lands in the field that takes it', async () => {
    const page = await open(device, LOOKS[0]![1]);
    await page.getByRole('tab', { name: 'Event Log' }).click();
    expect(await page.getByRole('textbox', { name: 'Authorization code' }).count()).toBe(0);
    await dropFile(page, 'cc920-authorization.slrauth', ownCode);
    const said = page.locator('.arrival');
    await expect.poll(() => said.innerText()).toContain('cc920-authorization.slrauth: an authorization code');
    await screenshot(page, 'v3-file-arrived');
    await page.getByRole('tab', { name: 'Reservation' }).click();
    await expect.poll(() => page.getByRole('textbox', { name: 'Authorization code' }).inputValue()).toBe(ownCode.trim());
    // Something that is no code: said, nothing done.
    await page.getByRole('tab', { name: 'Event Log' }).click();
    await dropFile(page, 'notes.txt', 'hello');
    await expect.poll(() => said.innerText()).toContain('notes.txt is not a code SLR Desk knows');
  });

  it("License Central's Licenses tab gives a TERM's end with its days left once within 90 days", async () => {
    const page = await open(authority, LOOKS[1]![1]);
    await page.getByRole('tab', { name: 'License Authority' }).click();
    const row = page.locator('[data-license="Default/UCM_Essential"]');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.innerText()).toContain('May 20, 2026 (19 days left)');
    expect(await row.locator('.term-warning').count()).toBe(1);
    // Below, what runs out within 90 days, soonest first, with the notice each has reached (the CLI's engine).
    const expiring = page.getByRole('table', { name: 'Expiring within 90 days' }).getByRole('row').filter({ hasText: 'UCM_Essential' });
    await expect.poll(() => expiring.count()).toBe(1);
    expect((await expiring.innerText()).replace(/\s+/g, ' ')).toMatch(/ 19 30-day notice TERM licenses end Default .*UCM_Essential/);
    await screenshot(page, 'v3-licenses-expiring');
    await expectFits(page, 'licenses with a TERM ending');
  });

  // Last: it changes License Central's signing key.
  it('a key rotation says how many devices must be told and lists them', async () => {
    const page = await open(authority, LOOKS[0]![1]);
    await page.getByRole('tab', { name: 'License Authority' }).click();
    await page.getByRole('tab', { name: 'Signing Keys' }).click();
    await page.getByRole('button', { name: 'Add a new signing key…' }).click();
    await expect.poll(() => page.getByText(/64 product instances hold reservations here/).count()).toBe(1);
    await page.getByRole('button', { name: 'Add the key' }).click();
    await expect.poll(() => page.getByText(/The devices to tell: the 64 product instances with reservations here\./).count()).toBe(1);
    await screenshot(page, 'v3-key-rotated');
    await expectAccessible(page, 'key rotated');
    await page.getByRole('button', { name: 'List them (Product Instances)' }).click();
    await expect.poll(() => page.getByRole('tab', { name: 'Product Instances', selected: true }).count()).toBe(1);
    await expect.poll(() => page.getByRole('navigation', { name: 'Pages of product instances (top)' }).innerText()).toMatch(/of 64/);
  });
});
