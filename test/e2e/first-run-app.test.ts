/**
 * A new product instance's first day, in Chromium against the real services (issue 25, item 2): the setup
 * checklist says what comes first and what is done; a request made before any key is trusted is warned about
 * at once (not after a whole trip), with the way to Settings at hand; the checklist follows each step.
 * At 800x600 nothing scrolls sideways. Screenshots: test-results/screenshots/first-run-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { startHarness, RENDERER_DIR, type Harness } from './harness/server.ts';
import { closeBrowser, launchBrowser, CHROMIUM } from './harness/browser.ts';
import { expectAccessible, screenshot } from './harness/page-helpers.ts';
import { openLedger } from '../../electron/authority/ledger.ts';

const skip = process.env.SLR_SKIP_BROWSER === '1';

let device: Harness;
let browser: BrowserContext;
let page: Page;
let keyFile: string;
let keyId: string;

const checklist = () => page.getByRole('region', { name: 'Set up this product instance' });
const next = () => checklist().locator('li.next strong');

async function fits(where: string) {
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
  expect(scroll, `${where}: the page scrolls sideways`).toBeLessThanOrEqual(width);
}

describe.skipIf(skip)("a new product instance's first steps", () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH).`);
    if (!existsSync(join(RENDERER_DIR, 'index.html'))) throw new Error('The renderer is not built: npm run build.');
    const root = mkdtempSync(join(tmpdir(), 'slr-e2e-first-'));
    const ledger = await openLedger({ dir: join(root, 'lc'), actor: 'test' }, true);
    await ledger.init('Acme', Date.UTC(2026, 5, 1));
    const key = await ledger.exportKey();
    await ledger.close();
    keyId = key.id;
    device = await startHarness(join(root, 'device'), join(root, 'usb'));
    keyFile = join(device.usb, `license-central-${key.id}.pem`);
    writeFileSync(keyFile, key.file);
    browser = await launchBrowser({ viewport: { width: 800, height: 600 } });
    page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(device.url);
  });
  afterAll(async () => {
    await browser?.close();
    await closeBrowser();
    await device?.close();
  });

  it('puts trusting the key first, warns before a request that nothing will install, and follows each step', async () => {
    await page.getByRole('button', { name: 'Create product instance' }).click();
    await expect.poll(() => checklist().count()).toBe(1);
    expect(await next().textContent()).toBe('Trust your License Central’s signing key');
    await screenshot(page, 'first-run-checklist');
    await fits('checklist');
    await expectAccessible(page, 'first-run checklist');

    // Reservation enabled before any key: the request step says at once that nothing would install.
    await page.getByRole('button', { name: 'Enable license reservation' }).click();
    const warning = page.getByRole('alert').filter({ hasText: 'This device trusts no License Central key yet' });
    await expect.poll(() => warning.count()).toBe(1);
    await screenshot(page, 'first-run-no-key-warning');
    await fits('request without a key');

    // The way to Settings is at hand; the key file added there completes the first step.
    await warning.getByRole('button', { name: 'Open Settings to trust a License Central key' }).click();
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Add License Central key…');
    device.queueOpen(keyFile);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('cell', { name: keyId, exact: true }).count()).toBe(1);
    await expect.poll(() => next().textContent()).toBe('Get the licenses');
    expect(await checklist().locator('li.done').count()).toBe(2);

    await page.getByRole('tab', { name: 'Reservation' }).click();
    expect(await warning.count()).toBe(0);
    await page.getByRole('button', { name: 'Generate request code' }).click();
    await expect.poll(() => checklist().innerText()).toContain('Under way: the Reservation tab says what comes next.');
    await screenshot(page, 'first-run-request');
    await fits('request made');
  });

  it('warns once its evaluation period is within 30 days of its end, as show license status lists it', async () => {
    device.setNow(Date.now() + 85 * 86_400_000);
    await page.reload();
    const notice = page.getByRole('status').or(page.getByRole('alert')).filter({ hasText: 'Evaluation period ends: 5 days left' });
    await expect.poll(() => notice.count()).toBe(1);
    expect(await notice.textContent()).toMatch(/the 7-day notice/);
    await screenshot(page, 'first-run-evaluation-ending');
    await fits('evaluation ending');
  });
});
