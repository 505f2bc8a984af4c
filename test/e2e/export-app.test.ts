/**
 * Export control online in the app (issue 27), in Chromium against the real services and License Central's
 * server over loopback: the Smart Software Licensing tab's Export Control section requests the export
 * authorization key and shows it; a return that cannot reach License Central is shown as pending, with the way
 * to stop its retry. Screenshots: test-results/screenshots/export-*.png.
 */
import { unusedPort } from '../helpers/ports.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { expectAccessible, expectFits, screenshot } from './harness/page-helpers.ts';
import { startHarness, RENDERER_DIR, type Harness } from './harness/server.ts';
import { closeBrowser, launchBrowser, CHROMIUM } from './harness/browser.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { slr, slrAsync } from '../helpers/cli.ts';
import { scaled } from '../helpers/time-scale.ts';

const skip = process.env.SLR_SKIP_BROWSER === '1';
const T0 = Date.UTC(2026, 9, 8, 9);
const FEATURE = 'UCM_Export_Restricted_Authorization_Key';

let server: TestServer;
let device: Harness;
let browser: BrowserContext;
let page: Page;
let devDir: string;

describe.skipIf(skip)('export control online in the app', () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not at ${CHROMIUM}: apt-get install chromium (or SLR_SKIP_BROWSER=1 to skip on purpose)`);
    if (!existsSync(join(RENDERER_DIR, 'index.html'))) throw new Error('The renderer is not built: npm run build');
    server = await startServer('sqlite', T0, null);
    await server.ledger.setExportControl(true, 'export licence EL-7 on file', T0);
    await server.ledger.addLicenses({ account: 'Lab', tag: 'UCM_Export_Key', count: 1 }, T0);
    const root = mkdtempSync(join(tmpdir(), 'slr-export-app-'));
    const key = join(root, 'lc.pem');
    writeFileSync(key, (await server.ledger.exportKey()).file);
    devDir = join(root, 'device');
    const at = new Date(T0).toISOString();
    expect(slr(devDir, ['init', '--pid', 'UCM', '--trust', key], at).status).toBe(0);
    const token = (await server.ledger.createToken({ account: 'Lab', server: server.url, fingerprint: server.fingerprint, exportControlled: true }, T0)).token;
    const registered = await slrAsync(devDir, ['license', 'smart', 'register', 'idtoken', token], at);
    expect(registered.status, registered.stderr).toBe(0);
    device = await startHarness(devDir, join(root, 'device-usb'));
    device.setNow(T0 + 60_000);
    browser = await launchBrowser();
    page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(device.url);
  }, scaled(120_000));
  afterAll(async () => {
    await browser?.close();
    await closeBrowser();
    await device?.close();
    await server?.stop();
  });

  it('requests the export authorization key, shows it, and shows a return that cannot reach License Central as pending until cancelled', async () => {
    await page.getByRole('tab', { name: 'Smart Software Licensing' }).click();
    const section = page.getByRole('region', { name: 'Export Control' });
    await expect.poll(() => section.count()).toBe(1);
    expect(await page.getByTestId(`export-key-${FEATURE}`).textContent()).toBe('None');
    await page.getByRole('button', { name: `Request ${FEATURE}` }).click();
    await expect.poll(() => page.getByTestId(`export-key-${FEATURE}`).textContent()).toMatch(/^\d+-[A-Za-z0-9]{16} \(granted /);
    expect(await page.getByText(/Export authorization key for UCM_Export_Restricted_Authorization_Key: /).count()).toBe(1);
    await screenshot(page, 'export-key-granted');
    await expectAccessible(page, 'export control with a key');
    await expectFits(page, 'export control with a key');
    expect((await server.ledger.registeredInstances(server.now, 'Lab')).flatMap((r) => r.exportKeys)).toEqual([FEATURE]);

    // License Central out of reach (a gateway where nothing listens): the return is pending.
    const port = await unusedPort();
    expect(slr(devDir, ['license', 'smart', 'transport', 'gateway', `https://127.0.0.1:${port}`], new Date(T0 + 120_000).toISOString()).status).toBe(0);
    await page.reload();
    await page.getByRole('tab', { name: 'Smart Software Licensing' }).click();
    await page.getByRole('button', { name: `Return ${FEATURE}` }).click();
    await expect.poll(() => page.getByText('Export return pending').count()).toBe(1);
    expect(await page.getByRole('alert').filter({ hasText: 'cannot be reached' }).count()).toBeGreaterThan(0);
    await screenshot(page, 'export-return-pending');
    await expectAccessible(page, 'export return pending');
    await page.getByRole('button', { name: 'Cancel Retry' }).click();
    await expect.poll(() => page.getByText('Export return pending').count()).toBe(0);
    // The key is still shown here: License Central never got the return.
    expect(await page.getByTestId(`export-key-${FEATURE}`).textContent()).toMatch(/^\d+-/);

    // Mixed mode, allowed by the key; left on at deregistration, with the seeds' alarm on the status page.
    const at = (ms: number) => new Date(T0 + ms).toISOString();
    expect(slr(devDir, ['license', 'smart', 'transport', 'direct'], at(180_000)).status).toBe(0);
    await page.reload();
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Enable mixed mode (secure mode)' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Disable mixed mode (secure mode)' }).count()).toBe(1);
    // A secure SIP trunk, allowed by the same key.
    const trunks = page.getByTestId('sip-trunks');
    await trunks.getByLabel('New trunk’s name').fill('SEC-1');
    await trunks.getByLabel('Secure (TLS)').check();
    await trunks.getByRole('button', { name: 'Add SIP trunk' }).click();
    await expect.poll(() => trunks.getByText('Secure SIP trunk "SEC-1" added.').count()).toBe(1);
    expect(await trunks.getByRole('row', { name: /SEC-1/ }).innerText()).toMatch(/SEC-1\s+yes\s/);
    const deregistered = await slrAsync(devDir, ['license', 'smart', 'deregister'], at(240_000));
    expect(deregistered.status, deregistered.stderr).toBe(0);
    await page.reload();
    const alarm = page.getByRole('alert').filter({ hasText: 'Alarm SmartLicenseExportControlNotAllowed (Critical)' });
    await expect.poll(() => alarm.count()).toBe(1);
    expect(await alarm.innerText()).toMatch(/disable it \(\s*“Disable mixed mode \(secure mode\)” \(Settings tab\)\s*\)/);
    await screenshot(page, 'export-alarm');
    await expectAccessible(page, 'an active alarm');
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Disable mixed mode (secure mode)' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Enable mixed mode (secure mode)' }).isDisabled()).toBe(true);
    // The secure trunk is still deployed: the alarm stays, the trunk is marked, and a new one cannot be secure.
    await expect.poll(() => trunks.getByRole('row', { name: /SEC-1/ }).innerText()).toMatch(/NOT ALLOWED now: remove it/);
    expect(await trunks.getByLabel('Secure (TLS)').isDisabled()).toBe(true);
    expect(await trunks.getByText(/A secure SIP trunk needs export-controlled functionality, which is not allowed: .+\./).count()).toBe(1);
    await screenshot(page, 'export-sip-trunk-not-allowed');
    await expectAccessible(page, 'a secure SIP trunk no longer allowed');
    await page.reload();
    await expect
      .poll(() => alarm.innerText())
      .toMatch(/Secure SIP trunks "SEC-1" are deployed[\s\S]*remove them \(\s*the trunk’s “Remove” \(Settings tab, SIP trunks\)\s*\)/);
    await page.getByRole('tab', { name: 'Settings' }).click();
    await trunks.getByRole('button', { name: 'Remove SEC-1' }).click();
    await expect.poll(() => trunks.getByText('No SIP trunks.').count()).toBe(1);
    await page.reload();
    await expect.poll(() => alarm.count()).toBe(0);
  });
});
