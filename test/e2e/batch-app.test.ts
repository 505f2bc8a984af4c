/**
 * Many devices in one hand-off in the app (issue 30), in Chromium against the real services: License Central's
 * License Reservation tab takes a dropped folder of request files (read as the main process reads a dropped
 * path), checks the licenses asked for all of its devices, reserves for every one in one step and saves the
 * bundle, from which each device (the real CLI) installs its own code. A folder with no request files, or a
 * batch the account cannot cover, is refused where it is entered; a folder dropped on another tab is put in the
 * batch's field. Screenshots: test-results/screenshots/batch-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { dropFile, dropPath, expectAccessible, expectFits, screenshot } from './harness/page-helpers.ts';
import { startHarness, RENDERER_DIR, type Harness } from './harness/server.ts';
import { closeBrowser, launchBrowser, CHROMIUM } from './harness/browser.ts';
import { openLedger } from '../../electron/authority/ledger.ts';
import { slr } from '../helpers/cli.ts';
import { scaled } from '../helpers/time-scale.ts';

const skip = process.env.SLR_SKIP_BROWSER === '1';
const T0 = Date.UTC(2026, 10, 3, 9);
const at = new Date(T0).toISOString();

let lc: Harness;
let browser: BrowserContext;
let page: Page;
let root: string;
const devices: string[] = [];

describe.skipIf(skip)('a batch reservation in the app', () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not at ${CHROMIUM}: apt-get install chromium (or SLR_SKIP_BROWSER=1 to skip on purpose)`);
    if (!existsSync(join(RENDERER_DIR, 'index.html'))) throw new Error('The renderer is not built: npm run build');
    root = mkdtempSync(join(tmpdir(), 'slr-batch-app-'));
    const dir = join(root, 'lc');
    const l = await openLedger({ dir, actor: 'admin' }, true);
    await l.init('Acme', T0);
    await l.addAccount('Lab', T0);
    await l.addLicenses({ account: 'Lab', tag: 'UCM_Basic', count: 10 }, T0);
    writeFileSync(join(root, 'lc.pem'), (await l.exportKey()).file);
    await l.close();
    // Three devices write their request files into one folder, as operators collect them.
    mkdirSync(join(root, 'requests'));
    mkdirSync(join(root, 'empty'));
    for (let i = 0; i < 3; i++) {
      const dev = join(root, `dev${i}`);
      expect(slr(dev, ['init', '--pid', 'UCM', '--trust', join(root, 'lc.pem')], at).status).toBe(0);
      expect(slr(dev, ['license', 'smart', 'reservation', 'enable'], at).status).toBe(0);
      const r = slr(dev, ['license', 'smart', 'reservation', 'request', '--out', join(root, 'requests')], at);
      expect(r.status, r.stderr).toBe(0);
      devices.push(dev);
    }
    writeFileSync(join(root, 'empty', 'notes.txt'), 'not a request\n');
    lc = await startHarness(dir, join(root, 'usb'));
    lc.setNow(T0 + 60_000);
    browser = await launchBrowser();
    page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(lc.url);
  }, scaled(120_000));
  afterAll(async () => {
    await browser?.close();
    await closeBrowser();
    await lc?.close();
  });

  it('takes a dropped folder, refuses what the account cannot cover, reserves for every device and saves the bundle each installs from', async () => {
    await page.getByRole('tab', { name: 'License Authority' }).click();
    // Dropped on another tab: the folder's codes are put in the batch's field, and the operator told where.
    await dropPath(page, join(root, 'requests'));
    await expect.poll(() => page.getByText('requests: request codes of many devices').count()).toBe(1);
    await page.getByRole('tab', { name: 'License Reservation' }).click();
    const batch = page.getByTestId('batch-reserve');
    await expect.poll(() => batch.getByText('3 request codes.').count()).toBe(1);
    // Dropped here: the same, saying where they came from; a folder without request files is refused.
    await dropPath(page, join(root, 'empty'));
    await expect.poll(() => batch.getByText(/The folder empty holds no request code/).count()).toBe(1);
    await dropPath(page, join(root, 'requests'));
    await expect.poll(() => batch.getByText('3 request codes from the folder requests.').count()).toBe(1);
    // One request file dropped goes to the single reservation's field, not the batch's.
    const one = readdirSync(join(root, 'requests'))[0]!;
    await dropFile(page, one, 'A'.repeat(10));
    await expect.poll(() => page.getByTestId('input-request').inputValue()).toBe('A'.repeat(10));
    expect(await page.getByTestId('input-request-batch').inputValue()).not.toContain('AAAAAAAAAA');
    await batch.getByRole('button', { name: 'Choose licenses' }).click();
    await batch.getByLabel('Virtual account').selectOption('Lab');
    const basic = batch.getByLabel('UC Manager Basic License (12.x)');
    await basic.fill('4');
    await expect.poll(() => batch.getByText('Only 10 available in this virtual account: 3 devices × 4 is 12.').count()).toBe(1);
    expect(await batch.getByRole('button', { name: 'Reserve for 3 devices' }).isDisabled()).toBe(true);
    await screenshot(page, 'batch-too-many');
    await expectAccessible(page, 'a batch asking too much');
    await basic.fill('3');
    await batch.getByRole('button', { name: 'Reserve for 3 devices' }).click();
    const done = page.getByTestId('batch-done');
    await expect.poll(() => done.getByRole('row').count()).toBe(4);
    await screenshot(page, 'batch-reserved');
    await expectAccessible(page, 'a batch reserved');
    await expectFits(page, 'a batch reserved');
    await done.getByRole('button', { name: 'Save bundle…' }).click();
    await expect.poll(() => done.getByText(/^Saved to .*authorization-bundle-20261103T090100Z\.json\.$/).count()).toBe(1);
    const bundle = join(lc.usb, 'authorization-bundle-20261103T090100Z.json');
    // Every device installs its own entry from the one bundle.
    for (const dev of devices) {
      const installed = slr(dev, ['license', 'smart', 'reservation', 'install-file', bundle], new Date(T0 + 120_000).toISOString());
      expect(installed.status, installed.stderr).toBe(0);
      expect(slr(dev, ['show', 'license', 'summary'], new Date(T0 + 180_000).toISOString()).stdout).toMatch(
        /Registration Status: Registered - Specific License Reservation[\s\S]*UCM_Basic\s+0\s+3\s/,
      );
    }
    // The pool: 9 of Lab's 10 reserved, once each, none in transition.
    const l = await openLedger({ dir: lc.dir, actor: 'check' });
    try {
      expect((await l.licenses(T0 + 200_000, 'Lab')).find((x) => x.short === 'UCM_Basic')).toMatchObject({
        purchased: 10,
        reserved: 9,
        inTransition: 0,
        available: 1,
      });
      expect((await l.instances('Lab')).length).toBe(3);
    } finally {
      await l.close();
    }
  });
});
