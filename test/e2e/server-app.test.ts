/**
 * The app's License Authority workspace connected to a License Central server, in Chromium against the real
 * services and a real server (Fastify over HTTPS on loopback, its certificate pinned): a wrong fingerprint is
 * refused before anything is sent; connected, the workspace shows the server's ledger as the user's role sees
 * it and works there (licenses added, a reservation through the wizard, the log naming the user); a role's
 * limit is shown as the server's refusal; disconnecting brings back the app's own (empty) authority.
 * Screenshots: test-results/screenshots/server-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { expectAccessible, screenshot } from './harness/page-helpers.ts';
import { startHarness, RENDERER_DIR, type Harness } from './harness/server.ts';
import { closeBrowser, launchBrowser, CHROMIUM } from './harness/browser.ts';
import { PASSWORD, startServer, type TestServer } from '../helpers/server.ts';
import { makeDevice } from '../helpers/world.ts';
import { acceptJoin, withJoin } from '../../shared/instance/cluster.ts';

const skip = process.env.SLR_SKIP_BROWSER === '1';
const T0 = Date.UTC(2026, 4, 2, 10);

let server: TestServer;
let app: Harness;
let browser: BrowserContext;
let page: Page;

const shot = (name: string) => screenshot(page, `server-${name}`);
const accessible = (where: string) => expectAccessible(page, where);

async function connect(user: string, fingerprint: string, password = PASSWORD) {
  await page.getByLabel('Server address').fill(server.url);
  await page.getByLabel('Certificate fingerprint (SHA-256)').fill(fingerprint);
  await page.getByLabel('User', { exact: true }).fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Connect' }).click();
}

describe.skipIf(skip)('the License Authority workspace on a License Central server', () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not at ${CHROMIUM}: apt-get install chromium (or SLR_SKIP_BROWSER=1 to skip on purpose)`);
    if (!existsSync(join(RENDERER_DIR, 'index.html'))) throw new Error('The renderer is not built: npm run build');
    server = await startServer('sqlite', T0, null);
    app = await startHarness(mkdtempSync(join(tmpdir(), 'slr-app-server-')), mkdtempSync(join(tmpdir(), 'slr-app-server-usb-')));
    app.setNow(T0);
    browser = await launchBrowser();
    page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(app.url);
    await page.getByRole('tab', { name: 'License Authority' }).click();
  });
  afterAll(async () => {
    await browser?.close();
    await closeBrowser();
    await app?.close();
    await server?.stop();
  });

  it('refuses a server whose certificate is not the one given, then works on the server as the user', async () => {
    await expect.poll(() => page.getByRole('heading', { name: 'Or connect to a License Central server' }).count()).toBe(1);
    await accessible('connect form');
    // A fingerprint cut short or mistyped is said so under the field, and Connect waits for a whole one.
    const field = page.getByLabel('Certificate fingerprint (SHA-256)');
    await field.fill(server.fingerprint.slice(0, 20));
    await expect.poll(() => page.getByText(/has 64 hexadecimal digits \(32 pairs\); this one has 14/).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Connect' }).isDisabled()).toBe(true);
    await field.fill(server.fingerprint.replace(/^../, 'XY'));
    await expect.poll(() => page.getByText(/“X” is not one/).count()).toBe(1);
    await shot('fingerprint-typo');
    expect(await page.getByText(/invalid arguments/).count()).toBe(0);
    await connect('admin', 'AB'.repeat(32));
    await expect.poll(() => page.getByText(/nothing was sent to it/).count()).toBe(1);
    await shot('wrong-fingerprint');
    // The fingerprint as an administrator reads it out: lower case, no colons.
    await connect('admin', server.fingerprint.replaceAll(':', '').toLowerCase());
    await expect.poll(() => page.getByRole('heading', { name: 'License Central: Acme' }).count()).toBe(1);
    await expect.poll(() => page.getByText(`Connected to ${server.url} as admin.`, { exact: false }).count()).toBe(1);
    expect(await page.locator('[data-license="Lab/UCM_Basic"]').textContent()).toContain('10');
    // Licenses added in the app land in the server's ledger.
    await page.getByRole('button', { name: 'Add licenses…' }).click();
    await page.locator('#add-count').fill('5');
    await page.locator('#add-tag').selectOption({ label: 'UC Manager Basic License (12.x)' });
    await page.getByRole('button', { name: 'Add licenses', exact: true }).click();
    await expect.poll(() => page.locator('[data-license="Default/UCM_Basic"]').textContent()).toContain('15');
    expect((await server.ledger.licenses(server.now, 'Default'))[0]!.purchased).toBe(15);
    await shot('connected-licenses');
    await accessible('connected licenses');

    // The reservation wizard reserves on the server, for a cluster's publisher (its request names its subscribers).
    const key = await server.ledger.exportKey();
    const d = makeDevice('UCM', T0, [{ id: key.id, publicKey: key.pem }]);
    for (const name of ['sub-1', 'sub-2']) d.state = acceptJoin(withJoin(d.state, name, 'h', T0), name, 'h', `key-${name}`, T0);
    d.run({ type: 'enable' }, T0);
    const request = d.run({ type: 'request' }, T0).issued!.code;
    await page.getByRole('tab', { name: 'License Reservation' }).click();
    await page.getByLabel('Request code').fill(request);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => page.getByText('Publisher, with the subscribers sub-1, sub-2: one reservation for the whole cluster').count()).toBe(1);
    await page.getByLabel('UC Manager Basic License (12.x)').fill('3');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Generate Authorization Code' }).click();
    await expect.poll(() => page.getByTestId('code-authorization').count()).toBe(1);
    const code = (await page.getByTestId('code-authorization').textContent())!;
    expect(d.run({ type: 'install', code }, T0).message).toMatch(/installed/);
    expect((await server.ledger.instances()).find((i) => i.sn === d.udi.sn)?.nodes).toEqual(['sub-1', 'sub-2']);
    await shot('connected-reserved');
    await page.getByRole('tab', { name: 'Product Instances' }).click();
    await expect.poll(() => page.locator(`tr[data-sn="${d.udi.sn}"]`).innerText()).toMatch(/Cluster publisher; subscribers sub-1, sub-2/);
    await shot('connected-cluster-instance');
    await page.getByRole('tab', { name: 'Event Log' }).click();
    await expect.poll(() => page.getByRole('cell', { name: 'admin' }).count()).toBeGreaterThan(1);
  });

  it('shows what a role may not do as the server says it, and disconnects back to the local ledger', async () => {
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Set up License Central' }).count()).toBe(1);
    await connect('lab-user', server.fingerprint);
    await expect.poll(() => page.getByText('Connected to', { exact: false }).count()).toBe(1);
    // A user of Lab sees Lab alone, and may not add licenses.
    await page.getByRole('tab', { name: 'Licenses' }).click();
    await expect.poll(() => page.locator('[data-license="Lab/UCM_Basic"]').count()).toBe(1);
    expect(await page.locator('[data-license="Default/UCM_Basic"]').count()).toBe(0);
    await page.getByRole('button', { name: 'Add licenses…' }).click();
    await page.locator('#add-count').fill('5');
    await page.locator('#add-tag').selectOption({ label: 'UC Manager Basic License (12.x)' });
    await page.getByRole('button', { name: 'Add licenses', exact: true }).click();
    await expect.poll(() => page.getByText(/may not add licenses, transfer, remove, rehost or unlock; nothing was changed/).count()).toBe(1);
    await shot('role-refused');
    await accessible('role refused');
    expect((await server.ledger.licenses(server.now, 'Lab'))[0]!.purchased).toBe(10);
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Set up License Central' }).count()).toBe(1);
    expect(existsSync(join(app.dir, 'authority-session.json'))).toBe(false);
  });
});
