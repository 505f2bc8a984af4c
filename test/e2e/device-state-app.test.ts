/**
 * The device's state at rest, in the app, in Chromium against the real services (issue 23): a backup saved
 * from Settings; the state file edited outside SLR Desk, and the app offering the two ways back (restore a
 * backup, recover with License Central's key file) instead of an error; a sound state replaced by a backup
 * only after the operator said so. And on License Central's side: a device put back to an older state is
 * shown as such when its confirmation code is entered (the notice) and in the list (the badge).
 * Screenshots go to test-results/screenshots/ (state-*.png).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { startHarness, RENDERER_DIR, type Harness } from './harness/server.ts';
import { closeBrowser, launchBrowser, CHROMIUM } from './harness/browser.ts';
import { expectAccessible, expectFits, screenshot, rowAction } from './harness/page-helpers.ts';
import { osKeySealer } from '../../electron/platform/os-sealer.ts';
import { fakeStore } from '../helpers/fake-safe-storage.ts';
import { openLedger } from '../../electron/authority/ledger.ts';
import { makeDevice } from '../helpers/world.ts';

const skip = process.env.SLR_SKIP_BROWSER === '1';
const T0 = Date.UTC(2026, 5, 1, 9);
const MIN = 60_000;

let root: string;
const harnesses: Harness[] = [];
const browsers: BrowserContext[] = [];

async function open(h: Harness): Promise<Page> {
  const b = await launchBrowser();
  browsers.push(b);
  const page = b.pages()[0] ?? (await b.newPage());
  await page.goto(h.url);
  return page;
}

/** What an operator with a text editor does to the state file: one field changed. */
function editStateFile(dir: string) {
  const file = join(dir, 'product-instance.json');
  const record = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  record.reservationEnabled = !record.reservationEnabled;
  writeFileSync(file, JSON.stringify(record, undefined, '\t'));
}

describe.skipIf(skip)("the device's state at rest in the app", () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH).`);
    if (!existsSync(join(RENDERER_DIR, 'index.html'))) throw new Error('The renderer is not built: npm run build.');
    root = mkdtempSync(join(tmpdir(), 'slr-e2e-state-'));
  });
  afterAll(async () => {
    for (const b of browsers) await b.close();
    await closeBrowser();
    for (const h of harnesses) await h.close();
  });

  it('backs up, offers restore and recovery for a state changed outside SLR Desk, and restores over a sound state only when told', async () => {
    // License Central's key file, on the device's USB stick.
    const lcDir = join(root, 'lc');
    const ledger = await openLedger({ dir: lcDir, actor: 'test' }, true);
    await ledger.init('Acme', T0);
    const key = await ledger.exportKey();
    await ledger.close();
    const device = await startHarness(join(root, 'device'), join(root, 'device-usb'));
    harnesses.push(device);
    const keyFile = join(device.usb, `license-central-${key.id}.pem`);
    writeFileSync(keyFile, key.file);

    const page = await open(device);
    await page.getByRole('button', { name: 'Create product instance' }).click();
    await expect.poll(() => page.getByTestId('udi').count()).toBe(1);
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Save a backup…' }).click();
    await expect.poll(() => page.getByText(/Backup saved as product-instance-backup-\d{8}T\d{6}Z\.json/).count()).toBe(1);
    const backup = readdirSync(device.usb).find((f) => f.startsWith('product-instance-backup-'))!;
    expect(JSON.parse(readFileSync(join(device.usb, backup), 'utf8')).seal).toBeTruthy();

    // The state file edited by hand: the app says so and offers the ways back, not an error page.
    editStateFile(device.dir);
    await page.reload();
    await expect.poll(() => page.getByRole('heading', { name: 'The state was changed outside SLR Desk' }).count()).toBe(1);
    await expect.poll(() => page.getByRole('button', { name: 'Choose a backup to restore…' }).count()).toBe(1);
    expect(await page.locator('body').innerText()).not.toMatch(/slr (recover|restore)/);
    await screenshot(page, 'state-changed-outside');
    await expectAccessible(page, 'state changed outside SLR Desk');

    // Cancelled dialog: nothing happens. Then the backup, restored.
    device.queueOpen(null);
    await page.getByRole('button', { name: 'Choose a backup to restore…' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'The state was changed outside SLR Desk' }).count()).toBe(1);
    device.queueOpen(join(device.usb, backup));
    await page.getByRole('button', { name: 'Choose a backup to restore…' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Backup restored' }).count()).toBe(1);
    await expect.poll(() => page.getByText(/set aside as product-instance\.json\.replaced-/).count()).toBe(1);
    await screenshot(page, 'state-restored');
    await page.getByRole('button', { name: 'Open the product instance' }).click();
    await expect.poll(() => page.getByTestId('udi').count()).toBe(1);

    // Edited again: recovered with License Central's key file, which it then trusts.
    editStateFile(device.dir);
    await page.reload();
    await expect.poll(() => page.getByRole('button', { name: 'Recover this state' }).count()).toBe(1);
    device.queueOpen(keyFile);
    await page.getByRole('button', { name: 'Add a License Central key file…' }).click();
    await expect.poll(() => page.getByRole('list', { name: 'License Central keys to trust' }).innerText()).toContain(`license-central-${key.id}.pem`);
    await screenshot(page, 'state-recover');
    await page.getByRole('button', { name: 'Recover this state' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'State recovered' }).count()).toBe(1);
    await expect.poll(() => page.getByText(`Trusted License Central keys: ${key.id}.`).count()).toBe(1);
    await page.getByRole('button', { name: 'Open the product instance' }).click();
    await page.getByRole('tab', { name: 'Settings' }).click();
    await expect.poll(() => page.getByRole('cell', { name: key.id, exact: true }).count()).toBe(1);
    // Removing the trust asks first; keeping it keeps it.
    await page.getByRole('button', { name: `Remove key ${key.id}` }).click();
    await expect.poll(() => page.getByText(`Stop trusting key ${key.id}?`).count()).toBe(1);
    await screenshot(page, 'state-trust-remove-ask');
    await page.getByRole('button', { name: 'Keep the key' }).click();
    await expect.poll(() => page.getByText(`Stop trusting key ${key.id}?`).count()).toBe(0);
    expect(await page.getByRole('cell', { name: key.id, exact: true }).count()).toBe(1);
    await page.getByRole('tab', { name: 'Event Log' }).click();
    await expect.poll(() => page.getByText(/recovered: trust anchors to be provisioned again/).count()).toBeGreaterThan(0);

    // A sound state: replaced by a backup only after the warning, and "Keep" keeps it.
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Restore a backup…' }).click();
    await expect.poll(() => page.getByText('Replace this product instance’s state with a backup?').count()).toBe(1);
    await screenshot(page, 'state-restore-ask');
    await page.getByRole('button', { name: 'Keep the current state' }).click();
    await expect.poll(() => page.getByText('Replace this product instance’s state with a backup?').count()).toBe(0);
    const before = readFileSync(join(device.dir, 'product-instance.json'), 'utf8');
    await page.getByRole('button', { name: 'Restore a backup…' }).click();
    device.queueOpen(join(device.usb, backup));
    await page.getByRole('button', { name: 'Choose a backup and replace the state…' }).click();
    await expect.poll(() => page.getByText(/Restored from product-instance-backup-/).count()).toBe(1);
    const setAside = readdirSync(device.dir).filter((f) => f.startsWith('product-instance.json.replaced-'));
    expect(setAside.map((f) => readFileSync(join(device.dir, f), 'utf8'))).toContain(before);
  });

  it("shows License Central's operator a device put back to an older state: a notice when its code is entered, a badge in the list", async () => {
    const dir = join(root, 'authority');
    const ledger = await openLedger({ dir, actor: 'test' }, true);
    await ledger.init('Acme', T0);
    await ledger.addLicenses({ account: 'Default', tag: 'UCM_Basic', count: 20 }, T0);
    const key = await ledger.exportKey();
    const device = makeDevice('UCM', T0, [{ id: key.id, publicKey: key.pem }]);
    device.run({ type: 'enable' }, T0);
    const request = device.run({ type: 'request' }, T0).issued!.code;
    const reserved = await ledger.reserve({ account: 'Default', request, licenses: { UCM_Basic: 11 } }, T0 + MIN);
    device.run({ type: 'install', code: reserved.code }, T0 + 2 * MIN);
    const copy = device.state;
    const decrease = await ledger.update({ instance: device.udi.sn, licenses: { UCM_Basic: 10 } }, T0 + 3 * MIN);
    const confirmation = device.run({ type: 'install', code: decrease.code }, T0 + 4 * MIN).issued!.code;
    await ledger.confirm({ instance: device.udi.sn, code: confirmation }, T0 + 5 * MIN);
    // Its owner puts the state from before the decrease back (with root and the device key), then takes the next update.
    device.state = copy;
    const next = await ledger.update({ instance: device.udi.sn, licenses: { UCM_Basic: 9 } }, T0 + 6 * MIN);
    const rolledBack = device.run({ type: 'install', code: next.code }, T0 + 7 * MIN).issued!.code;
    await ledger.close();

    const authority = await startHarness(dir, join(root, 'authority-usb'));
    harnesses.push(authority);
    const page = await open(authority);
    await page.getByRole('tab', { name: 'License Authority' }).click();
    await page.getByRole('tab', { name: 'Product Instances' }).click();
    const row = page.locator(`tr[data-sn="${device.udi.sn}"]`);
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.innerText()).not.toContain('ROLLED BACK');
    await rowAction(row, device.udi.sn, 'Enter Confirmation Code…');
    // A refused code clicked twice at once (both clicks in one task, before the button can be disabled) is
    // sent once: it counts as one wrong code, not two.
    await page.getByTestId('input-confirmation').fill(confirmation);
    await page.getByRole('button', { name: 'Enter confirmation code' }).evaluate((b: HTMLButtonElement) => (b.click(), b.click()));
    await expect.poll(() => page.getByText(/1 of 5 wrong codes/).count()).toBe(1);
    expect(await page.getByText(/2 of 5 wrong codes/).count()).toBe(0);
    await page.getByTestId('input-confirmation').fill(rolledBack);
    await page.getByRole('button', { name: 'Enter confirmation code' }).click();
    const notice = page.getByRole('alert').filter({ hasText: 'Check this device' });
    await expect.poll(() => notice.count()).toBe(1);
    expect(await notice.innerText()).toMatch(/state was put back/);
    await screenshot(page, 'state-authority-notice');
    await page.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => row.innerText()).toContain('ROLLED BACK');
    expect(await row.locator('.status-badge').getAttribute('title')).toMatch(/state was put back/);
    await screenshot(page, 'state-authority-badge');
    await expectAccessible(page, 'instances with a rolled-back device');
  });

  it("offers the ways out when the desktop's keyring no longer opens the device key, and starts over only when asked", async () => {
    const { store, state } = fakeStore();
    const dir = join(root, 'sealed');
    const first = await startHarness(dir, join(root, 'sealed-usb'), { sealer: osKeySealer(store, 'linux') });
    harnesses.push(first);
    const page = await open(first);
    await page.getByRole('button', { name: 'Create product instance' }).click();
    await expect.poll(() => page.getByTestId('udi').count()).toBe(1);
    const oldUdi = (await page.getByTestId('udi').innerText()).trim();
    expect(JSON.parse(readFileSync(join(dir, 'product-instance.json'), 'utf8')).deviceKey.privateKey.format).toBe('safe-storage');

    // The keyring reset, the app started again: it opens, says what happened and what can be done.
    state.keyring = 'reset';
    const again = await startHarness(dir, join(root, 'sealed-usb'), { sealer: osKeySealer(store, 'linux') });
    harnesses.push(again);
    await page.goto(again.url);
    await expect.poll(() => page.getByRole('heading', { name: 'This device’s key cannot be opened' }).count()).toBe(1);
    expect(await page.getByTestId('udi').innerText()).toBe(oldUdi);
    expect(await page.getByRole('heading', { name: 'Open it where it was made' }).count()).toBe(1);
    await screenshot(page, 'state-key-sealed');
    await expectAccessible(page, 'device key cannot be opened');
    await expectFits(page, 'device key cannot be opened');

    // Asked first; keeping it keeps it.
    await page.getByRole('button', { name: 'Start over…' }).click();
    await expect.poll(() => page.getByText(`Start over in place of ${oldUdi}?`).count()).toBe(1);
    await page.getByRole('button', { name: 'Keep this instance' }).click();
    expect(readdirSync(dir).filter((f) => f.includes('set-aside'))).toEqual([]);
    await page.getByRole('button', { name: 'Start over…' }).click();
    await page.getByRole('button', { name: 'Start over', exact: true }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Started over as a new product instance' }).count()).toBe(1);
    expect(await page.locator('main').innerText()).toContain(oldUdi);
    expect(await page.getByTestId('udi').count()).toBe(0); // the old state's facts are not shown as if current
    await screenshot(page, 'state-started-over');
    await page.getByRole('button', { name: 'Open the new product instance' }).click();
    await expect.poll(() => page.getByTestId('udi').count()).toBe(1);
    const newUdi = (await page.getByTestId('udi').innerText()).trim();
    expect(newUdi).not.toBe(oldUdi);
    expect(await page.getByRole('heading', { name: 'This device’s key cannot be opened' }).count()).toBe(0);
    expect(readdirSync(dir).filter((f) => f.startsWith('product-instance.json.set-aside-'))).toHaveLength(1);
  });
});
