/**
 * End to end in a real browser: a product instance and an authority, each with its own data directory
 * and its own "USB stick", complete request → reserve → install → update → confirm → return by passing
 * files, and the UI shows every status on the way. Screenshots of each step go to test-results/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { DatabaseSync } from 'node:sqlite';
import { startHarness, RENDERER_DIR, type Harness } from './harness/server.ts';
import { closeBrowser, launchBrowser, CHROMIUM } from './harness/browser.ts';
import { dropFile, expectAccessible, jsQR, SHOTS, rowAction } from './harness/page-helpers.ts';
import { makeBundle } from '../../shared/codes/authorization-bundle.ts';

// Never skipped silently: without Chromium or the renderer build this fails, unless SLR_SKIP_BROWSER=1 says so.
const skip = process.env.SLR_SKIP_BROWSER === '1';

// Two machines, two browsers: a page in a background tab answered each click ~2 s late.
let deviceBrowser: BrowserContext;
let authorityBrowser: BrowserContext;
let device: Harness;
let authority: Harness;
let dp: Page;
let ap: Page;
let shot = 0;

async function screenshot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${String(++shot).padStart(2, '0')}-${name}.png`), fullPage: true });
}

const accessible = expectAccessible;

/** Hands a file from one machine's USB stick to the other's (the operator carries it). */
function carry(from: Harness, name: string, to: Harness): string {
  const target = join(to.usb, name);
  copyFileSync(join(from.usb, name), target);
  return target;
}

const status = (page: Page) => ({ registration: page.getByTestId('registration'), authorization: page.getByTestId('authorization') });

describe.skipIf(skip)('the desktop app in Chromium, against the real services', () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH).`);
    if (!existsSync(join(RENDERER_DIR, 'index.html'))) throw new Error('The renderer is not built: npm run build.');
    const root = mkdtempSync(join(tmpdir(), 'slr-e2e-'));
    device = await startHarness(join(root, 'device'), join(root, 'device-usb'));
    authority = await startHarness(join(root, 'authority'), join(root, 'authority-usb'));
    [deviceBrowser, authorityBrowser] = await Promise.all([launchBrowser(), launchBrowser()]);
    dp = deviceBrowser.pages()[0] ?? (await deviceBrowser.newPage());
    ap = authorityBrowser.pages()[0] ?? (await authorityBrowser.newPage());
    await dp.goto(device.url);
    await ap.goto(authority.url);
  });
  afterAll(async () => {
    await deviceBrowser?.close();
    await authorityBrowser?.close();
    await closeBrowser();
    await device?.close();
    await authority?.close();
  });

  it('walks request → reserve → install → update → confirm → return, passing files', async () => {
    // --- License Central is set up and exports its key.
    await ap.getByRole('tab', { name: 'License Authority' }).click();
    await ap.getByLabel('Smart account name').fill('Acme Corp');
    await ap.getByLabel('Passphrase', { exact: true }).fill('correct horse battery');
    await ap.getByLabel('Passphrase again').fill('correct horse battery');
    await ap.getByRole('button', { name: 'Create License Central' }).click();
    await expect.poll(() => ap.getByRole('heading', { name: 'License Central: Acme Corp' }).count()).toBe(1);
    await ap.locator('#add-count').fill('10');
    await ap.locator('#add-tag').selectOption({ label: 'UC Manager Basic License (12.x)' });
    await ap.getByRole('button', { name: 'Add licenses', exact: true }).click();
    await expect.poll(() => ap.locator('[data-license="Default/UCM_Basic"]').textContent()).toContain('10');
    await screenshot(ap, 'authority-licenses');
    await accessible(ap, 'authority licenses');
    await ap.getByRole('tab', { name: 'Signing Keys' }).click();
    await ap.getByRole('button', { name: 'Export public key…' }).click();
    await expect.poll(() => ap.getByText(/Public key saved to/).count()).toBe(1);
    const keyFile = readdirSync(authority.usb).find((f) => f.endsWith('.pem'))!;

    // --- The device is created, trusts the key, enables reservation and makes its request code.
    await expect.poll(() => dp.getByRole('heading', { name: 'Create the product instance' }).count()).toBe(1);
    await accessible(dp, 'create instance');
    await dp.getByRole('button', { name: 'Create product instance' }).click();
    await expect.poll(() => status(dp).registration.textContent()).toBe('Unregistered');
    expect(await status(dp).authorization.textContent()).toBe('Evaluation Mode');
    expect(await dp.getByTestId('evaluation').textContent()).toBe('90 days left');
    const udi = (await dp.getByTestId('udi').textContent())!;
    const sn = /S:([0-9a-f]{5})/.exec(udi)![1]!;
    await screenshot(dp, 'device-created');
    await dp.getByRole('tab', { name: 'Settings' }).click();
    device.queueOpen(carry(authority, keyFile, device));
    await dp.getByRole('button', { name: 'Add License Central key…' }).click();
    await expect.poll(() => dp.getByText(/is now trusted/).count()).toBe(1);
    await dp.getByRole('tab', { name: 'Reservation' }).click();
    // The flow says why a step is unavailable.
    expect(await dp.getByText('Not available now: License reservation is not enabled.').count()).toBeGreaterThan(0);
    await dp.getByRole('button', { name: 'Enable license reservation' }).click();
    await dp.getByRole('button', { name: 'Generate request code' }).click();
    await expect.poll(() => status(dp).registration.textContent()).toBe('Reservation In Progress');
    const requestCode = (await dp.getByTestId('code-request').textContent())!;
    expect(requestCode).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){21}-[0-9A-Z]$/);
    await dp.getByRole('button', { name: 'Save to file…' }).click();
    await expect.poll(() => existsSync(join(device.usb, `${sn}-request.slrreq`))).toBe(true);
    await dp.getByRole('button', { name: 'Copy' }).first().click();
    await expect.poll(() => device.clipboard()).toBe(requestCode);
    await screenshot(dp, 'device-request-code');
    await accessible(dp, 'device request');

    // --- License Central: the four-step reservation wizard, with a typo first.
    await ap.getByRole('tab', { name: 'License Reservation' }).click();
    const typo = requestCode.slice(0, 7) + (requestCode[7] === 'A' ? 'B' : 'A') + requestCode.slice(8);
    await ap.getByLabel('Request code').fill(typo);
    await ap.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => ap.getByText(/Character \d+ of the request code \(character \d of group \d+\) is mistyped/).count()).toBe(1);
    await screenshot(ap, 'wizard-typo');
    authority.queueOpen(carry(device, `${sn}-request.slrreq`, authority));
    await ap.getByRole('button', { name: 'Open file…' }).click();
    await expect.poll(() => ap.getByLabel('Request code').inputValue()).toBe(requestCode);
    await ap.getByRole('button', { name: 'Next' }).click();
    await ap.getByLabel('UC Manager Basic License (12.x)').fill('4');
    await screenshot(ap, 'wizard-select-licenses');
    await accessible(ap, 'wizard select');
    await ap.getByRole('button', { name: 'Next' }).click();
    await ap.getByRole('button', { name: 'Generate Authorization Code' }).click();
    await expect.poll(() => ap.getByTestId('code-authorization').count()).toBe(1);
    await ap.getByRole('button', { name: 'Save to file…' }).click();
    await expect.poll(() => existsSync(join(authority.usb, `${sn}-authorization.slrauth`))).toBe(true);
    await screenshot(ap, 'wizard-authorization-code');

    // --- The device: the file is dropped onto the window, checked, shown, then installed.
    carry(authority, `${sn}-authorization.slrauth`, device);
    await dropFile(dp, `${sn}-authorization.slrauth`, readFileSync(join(device.usb, `${sn}-authorization.slrauth`), 'utf8'));
    await expect.poll(() => dp.getByLabel('Authorization code').inputValue()).toContain('<specificPLR>');
    await dp.getByRole('button', { name: 'Check code' }).click();
    await expect.poll(() => dp.getByRole('heading', { name: 'What this authorization code contains' }).count()).toBe(1);
    expect(await dp.getByText('(this device)').count()).toBe(1);
    // Once in what the install would do, once among the entitlements.
    expect(await dp.getByRole('cell', { name: 'UC Manager Basic License (12.x)' }).count()).toBe(2);
    await screenshot(dp, 'device-inspect-code');
    await accessible(dp, 'device inspect');
    await dp.getByRole('button', { name: 'Install authorization code' }).click();
    await expect.poll(() => status(dp).registration.textContent()).toBe('Registered - Specific License Reservation');
    expect(await status(dp).authorization.textContent()).toBe('No Licenses in Use');
    expect(await dp.getByTestId('evaluation').textContent()).toMatch(/^Paused/);

    await dp.getByRole('tab', { name: 'Usage' }).click();
    await dp.getByLabel('License', { exact: true }).selectOption({ label: 'UC Manager Basic License (12.x)' });
    await dp.getByLabel('In use').fill('3');
    await dp.getByRole('button', { name: 'Set usage' }).click();
    await expect.poll(() => status(dp).authorization.textContent()).toBe('Authorized - Reserved');
    await screenshot(dp, 'device-authorized');
    await accessible(dp, 'device usage');

    // The code came with License Central's checkpoint: the device keeps it, and forgets it only when asked twice.
    await dp.getByRole('tab', { name: 'Settings' }).click();
    const checkpoints = dp.getByRole('table', { name: 'License Central checkpoints' });
    await expect.poll(() => checkpoints.getByRole('row').count()).toBe(2);
    expect(Number((await checkpoints.getByRole('cell').nth(1).textContent())!.replace(/,/g, ''))).toBeGreaterThan(0);
    await dp.getByRole('button', { name: 'Forget checkpoints…' }).click();
    await screenshot(dp, 'device-checkpoint-forget-ask');
    await dp.getByRole('button', { name: 'Keep them' }).click();
    expect(await checkpoints.getByRole('row').count()).toBe(2);
    await dp.getByRole('button', { name: 'Forget checkpoints…' }).click();
    await dp.getByRole('button', { name: 'Forget the checkpoints' }).click();
    await expect.poll(() => checkpoints.textContent()).toContain('No checkpoint seen yet.');
    expect(await dp.getByText(/^Forgot the checkpoints of License Central's log/).count()).toBe(1);
    await dp.getByRole('tab', { name: 'Usage' }).click();

    // --- License Central updates the reservation down to 2: 2 licenses go into transition.
    await ap.getByRole('tab', { name: 'Product Instances' }).click();
    await rowAction(ap, sn, 'Update Reserved Licenses…');
    // The update wizard: the current reservation beside the new count, checked as typed, then a review step.
    const dialog = ap.getByRole('dialog');
    await dialog.getByLabel('UC Manager Basic License (12.x)').fill('99');
    await expect.poll(() => dialog.getByText(/^Only \d+ more available in this virtual account \(asked for 95 more\)\.$/).count()).toBe(1);
    expect(await dialog.getByRole('button', { name: 'Review' }).isDisabled()).toBe(true);
    await dialog.getByLabel('UC Manager Basic License (12.x)').fill('2');
    await dialog.getByRole('button', { name: 'Review' }).click();
    expect(await dialog.locator('[data-change="UCM_Basic"] td').allTextContents()).toEqual([
      'UC Manager Basic License (12.x)',
      '4',
      '2',
      '2 held in transition until the device confirms',
    ]);
    await screenshot(ap, 'authority-update-review');
    await dialog.getByRole('button', { name: 'Generate authorization code' }).click();
    await expect.poll(() => ap.getByText(/2 licenses stay in transition/).count()).toBe(1);
    await ap.getByRole('button', { name: 'Save to file…' }).click();
    await screenshot(ap, 'authority-update-dialog');
    // The action ran in a dialog over the list; closing it gives the focus back to the row's control.
    await ap.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    expect(await ap.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(`Actions for ${sn}`);
    await ap.getByRole('tab', { name: 'Licenses' }).click();
    await expect
      .poll(() => ap.locator('[data-license="Default/UCM_Basic"]').locator('td').allTextContents())
      .toEqual(['Default', 'UC Manager Basic License (12.x)', '2', '-', '10', '2', '2', '6']);
    await screenshot(ap, 'authority-in-transition');

    // --- The device installs the update (opened from its file) and shows the confirmation code, also as QR.
    await dp.getByRole('tab', { name: 'Reservation' }).click();
    // Installed and authorized: the current step is the installed reservation; an update is one click away.
    expect(await dp.locator('[aria-current="step"]').getAttribute('data-step')).toBe('installed');
    await dp.locator('[data-step="install"]').getByRole('button', { name: 'Open' }).click();
    // It comes in a bundle of several devices' codes (License Central's batch reserve): a bundle without this
    // device's entry is refused, saying whose codes it holds; from one with it, the field takes its own.
    const update = readFileSync(carry(authority, `${sn}-authorization.slrauth`, device), 'utf8').trim();
    const other = { udi: 'P:UCM,S:0beef,U:00000000-0000-4000-8000-000000b0beef', sn: '0beef', code: update };
    const bundle = (entries: { udi: string; sn: string; code: string }[], name: string) => {
      writeFileSync(join(device.usb, name), makeBundle('Default', '2026-03-01T09:00:00.000Z', entries));
      return join(device.usb, name);
    };
    device.queueOpen(bundle([other], 'others.json'));
    await dp.getByRole('list', { name: 'Reservation steps' }).getByRole('button', { name: 'Open file…' }).click();
    await expect.poll(() => dp.getByText(/This authorization bundle holds no code for this device .* it holds one for 0beef/).count()).toBe(1);
    device.queueOpen(bundle([other, { udi, sn, code: update }], 'batch.json'));
    await dp.getByRole('list', { name: 'Reservation steps' }).getByRole('button', { name: 'Open file…' }).click();
    await expect.poll(() => dp.getByTestId('input-authorization').inputValue()).toBe(update);
    await dp.getByRole('button', { name: 'Check code' }).click();
    await expect.poll(() => dp.getByText(/Update of the installed reservation/).count()).toBe(1);
    // Before installing: this update leaves 3 in use on 2 reserved, and the screen says so, license by license.
    const warning = dp.getByRole('alert').filter({ hasText: 'Installing this code takes the device out of compliance' });
    await expect.poll(() => warning.textContent()).toMatch(/reserves 2 where 3 are in use.*overage period runs/);
    expect(await dp.locator('[data-impact*="UCM_Basic"] td').allTextContents()).toEqual(['UC Manager Basic License (12.x)', '3', '4', '2', 'Not Authorized']);
    await screenshot(dp, 'device-inspect-update-warning');
    await accessible(dp, 'device inspect update');
    await dp.getByRole('button', { name: 'Install authorization code' }).click();
    await expect.poll(() => dp.getByTestId('code-confirmation').count()).toBe(1);
    expect(await status(dp).authorization.textContent()).toBe('Not Authorized - Reserved');
    const confirmation = (await dp.getByTestId('code-confirmation').textContent())!;
    expect(confirmation).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{2}$/);
    const box = dp.locator('section.code-box[data-kind="confirmation"]');
    await box.getByRole('button', { name: 'Show QR code' }).click();
    await expect.poll(() => box.getByRole('img', { name: /QR code of the confirmation code/ }).count()).toBe(1);
    await box.getByRole('button', { name: 'Save QR as PNG…' }).click();
    await expect.poll(() => existsSync(join(device.usb, `${sn}-confirmation.png`))).toBe(true);
    const png = PNG.sync.read(readFileSync(join(device.usb, `${sn}-confirmation.png`)));
    expect(jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data).toBe(confirmation);
    await box.getByRole('button', { name: 'Save to file…' }).click();
    // A printable receipt for the paper trail.
    await box.getByRole('button', { name: 'Save receipt (PDF)…' }).click();
    await expect.poll(() => existsSync(join(device.usb, `${sn}-confirmation-receipt.pdf`))).toBe(true);
    expect(
      readFileSync(join(device.usb, `${sn}-confirmation-receipt.pdf`))
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    await screenshot(dp, 'device-confirmation-code');
    await accessible(dp, 'device confirmation');

    // --- License Central enters the confirmation code: transition released.
    await ap.getByRole('tab', { name: 'Product Instances' }).click();
    await rowAction(ap, sn, 'Enter Confirmation Code…');
    authority.queueOpen(carry(device, `${sn}-confirmation.slrconf`, authority));
    await ap.getByRole('button', { name: 'Open file…' }).click();
    await ap.getByRole('button', { name: 'Enter confirmation code' }).click();
    await expect.poll(() => ap.getByText(/2 licenses released from transition/).count()).toBe(1);
    await screenshot(ap, 'authority-confirmed');
    await ap.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

    // --- An offline usage report: made on the device, carried, imported once, its acknowledgement carried back.
    await dp.getByRole('button', { name: 'Make usage report' }).click();
    const reportBox = dp.locator('section.code-box[data-kind="usage-report"]');
    await expect.poll(() => reportBox.count()).toBe(1);
    expect(await dp.getByTestId('code-usage-report').textContent()).toMatch(/^SLRU1\./);
    await reportBox.getByRole('button', { name: 'Save to file…' }).click();
    await expect.poll(() => existsSync(join(device.usb, `${sn}-usage-report.slrusage`))).toBe(true);
    await screenshot(dp, 'device-usage-report');
    await ap.getByRole('tab', { name: 'Usage Reports' }).click();
    authority.queueOpen(carry(device, `${sn}-usage-report.slrusage`, authority));
    await ap.getByRole('region', { name: 'Import a usage report' }).getByRole('button', { name: 'Open file…' }).click();
    await ap.getByRole('button', { name: 'Import report' }).click();
    await expect.poll(() => ap.getByText('Usage report #1 imported').count()).toBe(1);
    // The message shows as soon as the import answers; the table is read again after it.
    await expect.poll(() => ap.locator(`tr:has(td:text-is("${sn}")) td`).nth(2).textContent()).toBe('#1');
    await ap.locator('section.code-box[data-kind="usage-ack"]').getByRole('button', { name: 'Save to file…' }).click();
    await expect.poll(() => existsSync(join(authority.usb, `${sn}-usage-ack.slrack`))).toBe(true);
    await screenshot(ap, 'authority-usage-report');
    await accessible(ap, 'authority usage reports');
    // The same report again: nothing counted twice, and the screen says so.
    await ap.getByLabel('Usage report', { exact: true }).fill(readFileSync(join(device.usb, `${sn}-usage-report.slrusage`), 'utf8'));
    await ap.getByRole('button', { name: 'Import report' }).click();
    await expect.poll(() => ap.getByText('Already imported: nothing counted twice').count()).toBe(1);
    await dropFile(dp, `${sn}-usage-ack.slrack`, readFileSync(carry(authority, `${sn}-usage-ack.slrack`, device), 'utf8'));
    await dp.getByRole('button', { name: 'Import acknowledgement' }).click();
    await expect.poll(() => dp.getByText(/^#1 of .* acknowledged by License Central/).count()).toBe(1);
    await screenshot(dp, 'device-usage-acknowledged');

    // --- The device returns the reservation; License Central removes it with the return code.
    await dp.locator('[data-step="return"]').getByRole('button', { name: 'Open' }).click();
    await dp.getByRole('button', { name: 'Return reservation…' }).click();
    await dp.getByRole('button', { name: 'Return the reservation', exact: true }).click();
    await expect.poll(() => status(dp).registration.textContent()).toBe('Unregistered');
    expect(await status(dp).authorization.textContent()).toBe('Evaluation Mode');
    await dp.locator('section.code-box[data-kind="return"]').getByRole('button', { name: 'Save to file…' }).click();
    await screenshot(dp, 'device-returned');
    await ap.getByRole('tab', { name: 'Product Instances' }).click();
    await rowAction(ap, sn, 'Remove…');
    await ap.getByLabel('Return code').fill(readFileSync(carry(device, `${sn}-return.slrret`, authority), 'utf8'));
    await ap.getByRole('button', { name: 'Remove Product Instance' }).click();
    await expect.poll(() => ap.getByText('No product instances yet: reserve licenses under License Reservation.').count()).toBe(1);
    // Its row is gone: closing the dialog puts the focus on the search, not on the page's body.
    await ap.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    expect(await ap.evaluate(() => document.activeElement?.getAttribute('type'))).toBe('search');
    await ap.getByRole('tab', { name: 'Licenses' }).click();
    await expect
      .poll(() => ap.locator('[data-license="Default/UCM_Basic"]').locator('td').allTextContents())
      .toEqual(['Default', 'UC Manager Basic License (12.x)', '2', '-', '10', '0', '0', '10']);
    await ap.getByRole('tab', { name: 'Event Log' }).click();
    for (const type of ['reserve', 'update', 'confirm', 'remove']) expect(await ap.getByRole('cell', { name: type, exact: true }).count()).toBeGreaterThan(0);
    await ap.getByRole('button', { name: 'Export CSV…' }).click();
    await expect.poll(() => existsSync(join(authority.usb, 'license-central-events.csv'))).toBe(true);
    expect(await ap.getByText('Log intact', { exact: true }).count()).toBe(1);
    await screenshot(ap, 'authority-events');
    await accessible(ap, 'authority events');
    // An event edited in the ledger: the Event Log says where, after the next reading.
    const db = new DatabaseSync(join(authority.dir, 'authority.sqlite'));
    db.exec("UPDATE events SET message = 'edited' WHERE id = 2");
    db.close();
    await ap.reload();
    await ap.getByRole('tab', { name: 'License Authority' }).click();
    await ap.getByRole('tab', { name: 'Event Log' }).click();
    await expect.poll(() => ap.getByRole('alert').filter({ hasText: 'The event log was changed' }).textContent()).toMatch(/event 2 of \d+/);
    await screenshot(ap, 'authority-events-tampered');
  });

  it('shows a precise error next to the input for a bad code, and changes nothing', async () => {
    // After a return, the return code is the current step; a new request is one click away.
    expect(await dp.locator('[aria-current="step"]').getAttribute('data-step')).toBe('return');
    await dp.locator('[data-step="request"]').getByRole('button', { name: 'Open' }).click();
    await dp.getByRole('button', { name: 'Generate request code' }).click();
    await expect.poll(() => status(dp).registration.textContent()).toBe('Reservation In Progress');
    await dp.getByLabel('Authorization code').fill('<specificPLR><authorizationCode><flag>A</flag><version>C</version><pid>x</pid>');
    await dp.getByRole('button', { name: 'Check code' }).click();
    const error = dp.getByRole('alert').filter({ hasText: 'The authorization code is malformed' });
    await expect.poll(() => error.count()).toBe(1);
    expect(await dp.getByLabel('Authorization code').getAttribute('aria-invalid')).toBe('true');
    await screenshot(dp, 'device-bad-code');
    expect(await status(dp).registration.textContent()).toBe('Reservation In Progress');
  });

  it('is usable by keyboard: tabs move with the arrow keys and actions run with Enter', async () => {
    await dp.getByRole('tab', { name: 'Reservation' }).focus();
    await dp.keyboard.press('ArrowRight');
    expect(await dp.getByRole('tab', { name: 'Usage' }).getAttribute('aria-selected')).toBe('true');
    await dp.keyboard.press('End');
    expect(await dp.getByRole('tab', { name: 'Settings' }).getAttribute('aria-selected')).toBe('true');
    await dp.keyboard.press('Home');
    await dp.keyboard.press('Tab');
    // From the tab list, Tab reaches the panel's first action; walk to "Cancel request…" and press Enter.
    for (let i = 0; i < 20; i++) {
      const name = await dp.evaluate(() => document.activeElement?.textContent ?? '');
      if (name === 'Cancel request…') break;
      await dp.keyboard.press('Tab');
    }
    const focused = () => dp.evaluate(() => document.activeElement?.textContent);
    expect(await focused()).toBe('Cancel request…');
    // It asks first, with the focus on the way out: Enter again keeps the request.
    await dp.keyboard.press('Enter');
    await expect.poll(focused).toBe('Keep the request');
    await dp.keyboard.press('Enter');
    await expect.poll(focused).toBe('Cancel request…');
    expect(await status(dp).registration.textContent()).toBe('Reservation In Progress');
    await dp.keyboard.press('Enter');
    await expect.poll(focused).toBe('Keep the request');
    await dp.keyboard.press('Shift+Tab');
    expect(await focused()).toBe('Cancel the request');
    await dp.keyboard.press('Enter');
    await expect.poll(() => status(dp).registration.textContent()).toBe('Unregistered');
  });
});
