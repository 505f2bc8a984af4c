/**
 * A new License Central's first day in Chromium against the real services (issue 25, items 2, 7 and 14):
 * created with its keys encrypted from the start (a passphrase checked as typed), a checklist that says what
 * comes next and follows each step (the key file handed out is in the log), and a token made on the app's own
 * ledger with the server's fingerprint typed in a field (no CLI anywhere). Another is created without a
 * passphrase: warned, then encrypted from the Signing Keys tab. Screenshots: authority-first-run-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { startHarness, RENDERER_DIR, type Harness } from './harness/server.ts';
import { closeBrowser, launchBrowser, CHROMIUM } from './harness/browser.ts';
import { expectAccessible, expectFits, screenshot } from './harness/page-helpers.ts';
import { slr } from '../helpers/cli.ts';

const skip = process.env.SLR_SKIP_BROWSER === '1';
const PASSPHRASE = 'four words for keys';

let root: string;
const harnesses: Harness[] = [];
const browsers: BrowserContext[] = [];

async function openAuthority(name: string): Promise<{ page: Page; h: Harness }> {
  const h = await startHarness(join(root, name), join(root, `${name}-usb`));
  h.setNow(Date.UTC(2026, 5, 1, 9));
  harnesses.push(h);
  const b = await launchBrowser({ viewport: { width: 800, height: 600 } });
  browsers.push(b);
  const page = b.pages()[0] ?? (await b.newPage());
  await page.goto(h.url);
  await page.getByRole('tab', { name: 'License Authority' }).click();
  return { page, h };
}

const checklist = (page: Page) => page.getByRole('region', { name: 'Set up License Central' });
const nextStep = (page: Page) => checklist(page).locator('li.next strong');

describe.skipIf(skip)("a new License Central's first steps", () => {
  beforeAll(() => {
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH).`);
    if (!existsSync(join(RENDERER_DIR, 'index.html'))) throw new Error('The renderer is not built: npm run build.');
    root = mkdtempSync(join(tmpdir(), 'slr-e2e-lc-first-'));
  });
  afterAll(async () => {
    for (const b of browsers) await b.close();
    await closeBrowser();
    for (const h of harnesses) await h.close();
  });

  it('creates it with encrypted keys, then the checklist leads through key, licenses and token', async () => {
    const { page, h } = await openAuthority('lc');
    await page.getByLabel('Smart account name').fill('Acme');
    const create = page.getByRole('button', { name: 'Create License Central' });
    await page.getByLabel('Passphrase', { exact: true }).fill('too short');
    expect(await page.getByText(/At least 12 characters \(9 so far\)/).count()).toBe(1);
    expect(await create.isDisabled()).toBe(true);
    await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await page.getByLabel('Passphrase again').fill(`${PASSPHRASE}!`);
    expect(await page.getByText('The two do not match.').count()).toBe(1);
    expect(await create.isDisabled()).toBe(true);
    await page.getByLabel('Passphrase again').fill(PASSPHRASE);
    await screenshot(page, 'authority-first-run-create');
    await expectFits(page, 'create');
    await expectAccessible(page, 'create');
    await create.click();

    await expect.poll(() => nextStep(page).count()).toBe(1);
    // Encrypted from the start (the CLI without the passphrase is refused), and this run holds it.
    expect(await checklist(page).locator('li.done').allInnerTexts()).toEqual([
      expect.stringContaining('Create License Central'),
      expect.stringContaining('Encrypted with a passphrase'),
    ]);
    // The CLI without the passphrase signs nothing (a new key is endorsed by the old one: it needs signing).
    const locked = slr(h.dir, ['authority', 'key', 'add'], Date.UTC(2026, 5, 1, 10));
    expect([locked.status, locked.stderr]).toEqual([1, expect.stringMatching(/passphrase/i)]);
    expect(await nextStep(page).textContent()).toBe('Give the devices License Central’s key');
    await screenshot(page, 'authority-first-run-checklist');
    await expectFits(page, 'checklist');
    await expectAccessible(page, 'checklist');

    await checklist(page).getByRole('button', { name: 'Open Signing Keys' }).click();
    await page.getByRole('button', { name: 'Export public key…' }).click();
    await expect.poll(() => nextStep(page).textContent()).toBe('Add the licenses you bought');
    const pem = readFileSync(join(h.usb, (await page.getByText(/Public key saved to/).textContent())!.match(/license-central-[0-9a-f]+\.pem/)![0]), 'utf8');
    expect(pem).toContain('BEGIN PUBLIC KEY');
    await checklist(page).getByRole('button', { name: 'Open Licenses' }).click();
    await page.locator('#add-count').fill('5');
    await page.locator('#add-tag').selectOption({ label: 'UC Manager Basic License (12.x)' });
    await page.getByRole('button', { name: 'Add licenses', exact: true }).click();
    await expect.poll(() => nextStep(page).textContent()).toBe('Serve the first device');

    // A token on the app's own ledger: no server has run here, so the fingerprint is asked for, checked as typed.
    await page.getByRole('tab', { name: 'Tokens' }).click();
    await page.getByLabel('License Central URL, as devices reach it').fill('https://lc.example.net:8443');
    const fp = page.getByLabel('Its certificate’s fingerprint (SHA-256)');
    await fp.fill('AB:CD:12');
    expect(await page.getByText(/has 64 hexadecimal digits \(32 pairs\); this one has 6/).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Create Token' }).isDisabled()).toBe(true);
    await fp.fill('ab'.repeat(32));
    await page.getByRole('button', { name: 'Create Token' }).click();
    await expect.poll(() => page.getByTestId('new-token').count()).toBe(1);
    const text = await page.locator('body').innerText();
    expect(text).not.toMatch(/\bslr (?:authority|license)|--passphrase-file|license smart/);
    await screenshot(page, 'authority-first-run-token');
    await expectFits(page, 'token made');
  });

  it('warns about keys made without a passphrase and encrypts them from Signing Keys', async () => {
    const { page, h } = await openAuthority('lc-plain');
    await page.getByLabel('Smart account name').fill('Plain');
    await page.getByLabel('Encrypt them with a passphrase').uncheck();
    expect(await page.getByText(/can sign codes that devices accept/).count()).toBe(1);
    await page.getByRole('button', { name: 'Create License Central' }).click();
    await expect.poll(() => nextStep(page).textContent()).toBe('Protect the signing keys');
    await checklist(page).getByRole('button', { name: 'Open Signing Keys' }).click();
    await page.getByRole('button', { name: 'Encrypt the keys…' }).click();
    await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await page.getByLabel('Passphrase again').fill(PASSPHRASE);
    await screenshot(page, 'authority-first-run-protect');
    await expectAccessible(page, 'protect keys');
    await page.getByRole('button', { name: 'Encrypt the keys', exact: true }).click();
    await expect.poll(() => nextStep(page).textContent()).toBe('Give the devices License Central’s key');
    // On disk: the CLI now needs the passphrase, and the log says the keys were encrypted.
    const events = slr(h.dir, ['authority', 'show', 'events'], Date.UTC(2026, 5, 1, 10)).stdout;
    expect(events).toContain('now encrypted at rest under a passphrase');
    // The app holds the passphrase for this run: signing works without asking again.
    expect(await page.getByRole('button', { name: 'Unlock signing keys' }).count()).toBe(0);
  });
});
