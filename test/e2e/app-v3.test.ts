/**
 * The app's third version in Chromium against the real services (issue 25): reasons first when a code
 * cannot be installed, and nothing wider than the window at 1280x800, 800x600 and 200% zoom, light and
 * dark. Screenshots: test-results/screenshots/v3-*.png.
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
    const codeFor = (dir: string) => {
      const d = on(dir);
      expect(d('init', '--pid', 'UCM', '--trust', join(root, 'lc.pem')).status).toBe(0);
      expect(d('license', 'smart', 'reservation', 'enable').status).toBe(0);
      const request = d('license', 'smart', 'reservation', 'request').stdout.trim();
      const reserved = a('reserve', '--account', 'Default', '--request', request, '--license', 'UCM_Basic=2');
      expect(reserved.status, reserved.stderr).toBe(0);
      return reserved.stdout.trim();
    };
    ownCode = codeFor('device');
    otherCode = codeFor('other');
    device = await startHarness(join(root, 'device'), join(root, 'device-usb'));
    device.setNow(t + 3_600_000);
  }, scaled(120_000));
  afterAll(async () => {
    for (const b of browsers) await b.close();
    await closeBrowser();
    await device?.close();
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
});
