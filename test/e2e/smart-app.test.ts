/**
 * Smart Licensing online in the app, in Chromium, against the real services and a real License Central
 * server over loopback: License Central's workspace (connected to the server) makes a token in the Tokens
 * view; the product instance's workspace (another app, another data directory) registers with it, reports
 * usage, goes out of compliance and back, renews, sets its transport, deregisters; the registered instance
 * appears at License Central and leaves it. Screenshots: test-results/screenshots/smart-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { expectAccessible, screenshot } from './harness/page-helpers.ts';
import { startHarness, RENDERER_DIR, type Harness } from './harness/server.ts';
import { closeBrowser, launchBrowser, CHROMIUM } from './harness/browser.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { slr } from '../helpers/cli.ts';
import { scaled } from '../helpers/time-scale.ts';

const skip = process.env.SLR_SKIP_BROWSER === '1';
const T0 = Date.UTC(2026, 5, 8, 9);

let server: TestServer;
let central: Harness;
let device: Harness;
let browser: BrowserContext;
let cp: Page;
let dp: Page;

const shot = (page: Page, name: string) => screenshot(page, `smart-${name}`);
const accessible = expectAccessible;

const text = (page: Page, id: string) => page.getByTestId(id).textContent();

describe.skipIf(skip)('Smart Licensing online in the app', () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not at ${CHROMIUM}: apt-get install chromium (or SLR_SKIP_BROWSER=1 to skip on purpose)`);
    if (!existsSync(join(RENDERER_DIR, 'index.html'))) throw new Error('The renderer is not built: npm run build');
    server = await startServer('sqlite', T0, null);
    const root = mkdtempSync(join(tmpdir(), 'slr-smart-app-'));
    const key = join(root, 'lc.pem');
    writeFileSync(key, (await server.ledger.exportKey()).file);
    const devDir = join(root, 'device');
    expect(slr(devDir, ['init', '--pid', 'UCM', '--trust', key], new Date(T0).toISOString()).status).toBe(0);
    central = await startHarness(join(root, 'central'), join(root, 'central-usb'));
    device = await startHarness(devDir, join(root, 'device-usb'));
    central.setNow(T0);
    device.setNow(T0);
    browser = await launchBrowser();
    cp = browser.pages()[0] ?? (await browser.newPage());
    dp = await browser.newPage();
    await cp.goto(central.url);
    await dp.goto(device.url);
  }, scaled(120_000));
  afterAll(async () => {
    await browser?.close();
    await closeBrowser();
    await central?.close();
    await device?.close();
    await server?.stop();
  });

  it('makes a token at License Central and registers the product instance with it', async () => {
    await cp.getByRole('tab', { name: 'License Authority' }).click();
    await cp.getByLabel('Server address').fill(server.url);
    await cp.getByLabel('Certificate fingerprint (SHA-256)').fill(server.fingerprint);
    await cp.getByLabel('User', { exact: true }).fill('admin');
    await cp.getByLabel('Password').fill('correct horse battery staple');
    await cp.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => cp.getByRole('heading', { name: 'License Central: Acme' }).count()).toBe(1);
    await cp.getByRole('tab', { name: 'Tokens' }).click();
    await cp.getByLabel('Virtual Account').selectOption('Lab');
    await cp.getByLabel('Description').fill('Lab call managers');
    await cp.getByLabel('Max. Number of Uses (empty: no limit)').fill('2');
    await cp.getByRole('button', { name: 'Create Token' }).click();
    await expect.poll(() => cp.getByTestId('new-token').count()).toBe(1);
    const token = await cp.getByTestId('new-token').inputValue();
    expect(token).toMatch(/^SLRT1\./);
    await expect.poll(() => cp.getByRole('cell', { name: 'Lab call managers' }).count()).toBe(1);
    await shot(cp, 'new-token');
    await accessible(cp, 'tokens view');

    await dp.getByRole('tab', { name: 'Smart Software Licensing' }).click();
    expect(await text(dp, 'smart-registration')).toBe('Unregistered');
    await dp.getByLabel('Product Instance Registration Token').fill('SLRT1.not-a-token');
    await dp.getByRole('button', { name: 'Register', exact: true }).click();
    await expect.poll(() => dp.getByText(/registration token is damaged|not a registration token/).count()).toBe(1);
    await shot(dp, 'bad-token');
    await dp.getByLabel('Product Instance Registration Token').fill(token);
    await dp.getByRole('button', { name: 'Register', exact: true }).click();
    await expect.poll(() => text(dp, 'smart-registration')).toBe('Registered');
    expect(await text(dp, 'smart-account')).toBe('Lab');
    expect(await text(dp, 'smart-authorization')).toBe('No Licenses in Use');
    expect(await text(dp, 'registration')).toBe('Registered');
    await shot(dp, 'registered');
    await accessible(dp, 'registered');
  });

  it('reports usage, goes out of compliance and back, renews, sets the transport, and deregisters', async () => {
    await dp.getByRole('tab', { name: 'Usage' }).click();
    await dp.getByLabel('License').selectOption({ label: 'UC Manager Basic License (12.x)' });
    await dp.getByLabel('In use').fill('12');
    await dp.getByRole('button', { name: 'Set usage' }).click();
    await dp.getByRole('tab', { name: 'Smart Software Licensing' }).click();
    await dp.getByRole('button', { name: 'Update Usage Details' }).click();
    await expect.poll(() => text(dp, 'smart-authorization')).toBe('Out of Compliance');
    await shot(dp, 'out-of-compliance');
    await cp.getByRole('tab', { name: 'Licenses' }).click();
    await cp.getByRole('tab', { name: 'Tokens' }).click();
    await expect.poll(() => cp.locator('[data-registered]').textContent()).toContain('Out of Compliance');
    await server.ledger.addLicenses({ account: 'Lab', tag: 'UCM_Basic', count: 5 }, T0);
    await dp.getByRole('button', { name: 'Renew Authorization Now' }).click();
    await expect.poll(() => text(dp, 'smart-authorization')).toBe('Authorized');
    await expect.poll(() => dp.getByText(/Authorization renewed: valid until/).count()).toBe(1);
    await cp.getByRole('tab', { name: 'Licenses' }).click();
    await cp.getByRole('tab', { name: 'Tokens' }).click();
    await expect.poll(() => cp.locator('[data-registered]').textContent()).toContain('Authorized');
    await shot(cp, 'registered-instances');

    // Transport: a proxy with a user and password (never shown back), then direct again.
    await dp.getByRole('radio', { name: /^HTTP\/HTTPS Proxy/ }).check();
    await dp.getByLabel('Proxy host').fill('proxy.example');
    await dp.getByLabel('Port', { exact: true }).fill('3128');
    await dp.getByLabel('User (optional)').fill('ops');
    await dp.getByLabel(/^Password/).fill('s3cret');
    await dp.getByRole('button', { name: 'Save Transport Settings' }).click();
    await expect.poll(() => dp.getByText(/Transport set to HTTP\/HTTPS proxy proxy\.example:3128 \(user ops, password set\)/).count()).toBe(1);
    await expect.poll(() => dp.getByLabel(/one is set; leave empty to keep it/).count()).toBe(1);
    await shot(dp, 'transport');
    await accessible(dp, 'transport');
    await dp.getByRole('radio', { name: /^Direct/ }).check();
    await dp.getByRole('button', { name: 'Save Transport Settings' }).click();
    await expect.poll(() => dp.getByText(/Transport set to Direct/).count()).toBe(1);
    // Saved at once (the box shows what the device keeps, once it kept it).
    await dp.getByLabel('Do not share my hostname or IP address').click();
    await expect.poll(() => dp.getByText(/Privacy on/).count()).toBe(1);
    await expect.poll(() => dp.getByLabel('Do not share my hostname or IP address').isChecked()).toBe(true);

    await dp.getByRole('button', { name: 'Deregister' }).click();
    await expect.poll(() => text(dp, 'smart-registration')).toBe('Unregistered');
    expect(await text(dp, 'authorization')).toBe('Evaluation Mode');
    await expect.poll(() => dp.getByText(/released to the pool of "Lab"/).count()).toBe(1);
    await shot(dp, 'deregistered');
    await cp.getByRole('tab', { name: 'Licenses' }).click();
    await cp.getByRole('tab', { name: 'Tokens' }).click();
    await expect.poll(() => cp.getByText('No product instances registered online.').count()).toBe(1);
  });
});
