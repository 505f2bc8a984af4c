/**
 * Satellites in the app (issue 28), in Chromium against the real services: a parent License Central and a
 * disconnected satellite, each an app of its own, kept in step only by what the operator carries between
 * them: files saved to and opened from a "USB stick", and the enrolment reply as QR parts pasted in the wrong
 * order. The parent adds the satellite and allocates to it; the satellite enrols, writes its sync file and
 * imports the answers; both tabs then say the same. A file that is no sync file is refused where it is entered.
 * Screenshots: test-results/screenshots/satellites-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { dropFile, expectAccessible, expectFits, screenshot } from './harness/page-helpers.ts';
import { startHarness, RENDERER_DIR, type Harness } from './harness/server.ts';
import { closeBrowser, launchBrowser, CHROMIUM } from './harness/browser.ts';
import { openLedger } from '../../electron/authority/ledger.ts';
import { qrTexts } from '../../shared/codes/qr-parts.ts';

const skip = process.env.SLR_SKIP_BROWSER === '1';
const T0 = Date.UTC(2026, 5, 2, 9);

let parent: Harness;
let sat: Harness;
let browser: BrowserContext;
let pp: Page;
let sp: Page;

async function licenseCentral(name: string, licenses: boolean): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'slr-sat-app-')), 'lc');
  const l = await openLedger({ dir, actor: 'admin' }, true);
  await l.init(name, T0);
  if (licenses) {
    await l.addAccount('Lab', T0);
    await l.addLicenses({ account: 'Lab', tag: 'UCM_Basic', count: 10 }, T0);
  }
  await l.close();
  return dir;
}

async function openSatellites(page: Page, h: Harness) {
  await page.goto(h.url);
  await page.getByRole('tab', { name: 'License Authority' }).click();
  await page.getByRole('tab', { name: 'Satellites' }).click();
  await expect.poll(() => page.getByTestId('satellites').count()).toBe(1);
}

/** The last action's file: saved to the USB stick; its path. */
async function saveHanded(page: Page, h: Harness, name: string): Promise<string> {
  // A new file's box says nothing of an earlier one saved.
  expect(
    await page
      .getByTestId('handed')
      .getByText(/^Saved to /)
      .count(),
  ).toBe(0);
  await page.getByTestId('handed').getByRole('button', { name: 'Save to file…' }).click();
  const path = join(h.usb, name);
  await expect.poll(() => page.getByTestId('handed').getByText(`Saved to ${path}.`).count()).toBe(1);
  return path;
}

/** A sync file opened in the card `card` (by its heading) and applied with its button. */
async function openAndApply(page: Page, h: Harness, card: string, path: string, action: string) {
  const region = page.getByRole('region', { name: card });
  h.queueOpen(path);
  await region.getByRole('button', { name: 'Open file…' }).click();
  await expect.poll(() => region.getByTestId('sync-input-file').count()).toBe(1);
  await region.getByRole('button', { name: action, exact: true }).click();
}

const handed = (page: Page): Locator => page.getByTestId('handed');

describe.skipIf(skip)('satellites in the app', () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not at ${CHROMIUM}: apt-get install chromium (or SLR_SKIP_BROWSER=1 to skip on purpose)`);
    if (!existsSync(join(RENDERER_DIR, 'index.html'))) throw new Error('The renderer is not built: npm run build');
    const [p, s] = [await licenseCentral('Acme', true), await licenseCentral('Plant 4 LC', false)];
    parent = await startHarness(p, join(p, '..', 'usb'));
    sat = await startHarness(s, join(s, '..', 'usb'));
    for (const h of [parent, sat]) h.setNow(T0 + 3_600_000);
    browser = await launchBrowser();
    pp = browser.pages()[0] ?? (await browser.newPage());
    sp = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await closeBrowser();
    await parent?.close();
    await sat?.close();
  });

  it('enrols a satellite, allocates to it and keeps both in step by files and QR parts the operator carries', async () => {
    await openSatellites(pp, parent);
    await expect.poll(() => pp.getByText(/This License Central stands alone/).count()).toBe(1);
    await pp.locator('#sat-name').fill('Plant 4');
    await pp.getByRole('button', { name: 'Add Satellite' }).click();
    await expect.poll(() => handed(pp).getByText('Satellite “Plant 4” added (disconnected).').count()).toBe(1);
    const enrolment = await saveHanded(pp, parent, 'Plant 4-enrolment.json');

    // Dropped onto the window: the enrolment file goes to Enrol, not to the Import beside it.
    await openSatellites(sp, sat);
    const enrolCard = sp.getByRole('region', { name: 'Enrol as a satellite of another License Central' });
    // Dropped once the panel that takes it is there (a drop before it lands nowhere).
    await expect.poll(() => enrolCard.count()).toBe(1);
    await dropFile(sp, 'Plant 4-enrolment.json', readFileSync(enrolment, 'utf8'));
    await expect.poll(() => enrolCard.getByTestId('sync-input-file').innerText()).toMatch(/^Plant 4-enrolment\.json · 1 KiB/);
    expect(await sp.getByRole('region', { name: 'Import a satellite’s file' }).getByTestId('sync-input-file').count()).toBe(0);
    await enrolCard.getByRole('button', { name: 'Enrol', exact: true }).click();
    await expect.poll(() => handed(sp).getByText('Enrolled as satellite “Plant 4” of “Acme” (disconnected).').count()).toBe(1);
    await handed(sp).getByRole('button', { name: 'Show QR codes' }).click();
    await expect.poll(() => handed(sp).locator('.qr-view img').count()).toBe(1);
    await screenshot(sp, 'satellites-enrolled');
    await expectAccessible(sp, 'satellite enrolled');
    const reply = await saveHanded(sp, sat, 'Plant 4-reply.json');

    // The reply's QR parts, scanned in the wrong order, pasted into the parent's import.
    const parts = qrTexts(readFileSync(reply, 'utf8').trim());
    const importCard = pp.getByRole('region', { name: 'Import a satellite’s file' });
    await importCard.getByLabel('A satellite’s enrolment reply or sync file').fill([...parts].reverse().join('\n'));
    await expect.poll(() => importCard.getByText(`All ${parts.length} QR parts are here`, { exact: false }).count()).toBe(1);
    await importCard.getByRole('button', { name: 'Import', exact: true }).click();
    await expect
      .poll(() =>
        handed(pp)
          .getByText(/Satellite "Plant 4" enrolled; its keys are pinned\./)
          .count(),
      )
      .toBe(1);
    const answer = await saveHanded(pp, parent, 'Plant 4-answer.json');
    await openAndApply(sp, sat, 'Import the parent’s answer', answer, 'Import');
    await expect
      .poll(() =>
        handed(sp)
          .getByText(/^Answer 1 from the parent applied/)
          .count(),
      )
      .toBe(1);

    // The form offers the virtual account that holds licenses, and its licenses.
    expect(await pp.getByLabel('Virtual Account').inputValue()).toBe('Lab');
    expect(await pp.getByLabel('License', { exact: true }).inputValue()).toBe('UCM_Basic');
    await pp.getByLabel('Count in all').fill('4');
    await pp.getByRole('button', { name: 'Allocate', exact: true }).click();
    await expect.poll(() => handed(pp).getByText('Satellite “Plant 4”: UCM_Basic 0 -> 4.').count()).toBe(1);

    await sp.getByRole('button', { name: 'Write sync file' }).click();
    await expect
      .poll(() =>
        handed(sp)
          .getByText(/^Sync file 1 written/)
          .count(),
      )
      .toBe(1);
    const up = await saveHanded(sp, sat, 'sync-1.json');
    await openAndApply(pp, parent, 'Import a satellite’s file', up, 'Import');
    await expect
      .poll(() =>
        handed(pp)
          .getByText(/^File 1 from satellite "Plant 4" applied/)
          .count(),
      )
      .toBe(1);
    const second = await saveHanded(pp, parent, 'Plant 4-answer.json');
    await openAndApply(sp, sat, 'Import the parent’s answer', second, 'Import');
    await expect
      .poll(() =>
        handed(sp)
          .getByText(/UCM_Basic in "Lab" 0 -> 4/)
          .count(),
      )
      .toBe(1);
    expect(await sp.getByText('· satellite “Plant 4” of “Acme” (disconnected)', { exact: false }).count()).toBe(1);
    expect(await sp.getByRole('list').innerText()).toMatch(/Receive licenses from the parent[\s\S]*The parent “Acme” allocates them/);
    await expect
      .poll(() => sp.getByTestId('satellite-parent').innerText())
      .toMatch(/Satellite “Plant 4” of “Acme” \(disconnected\)[\s\S]*Allocated: UCM_Basic 4 in “Lab”\./);
    await screenshot(sp, 'satellites-satellite');
    await expectAccessible(sp, 'satellite side');
    await expectFits(sp, 'satellite side');

    // The next round reports what the satellite holds now.
    await sp.getByRole('button', { name: 'Write sync file' }).click();
    await expect
      .poll(() =>
        handed(sp)
          .getByText(/^Sync file 2 written/)
          .count(),
      )
      .toBe(1);
    const next = await saveHanded(sp, sat, 'sync-2.json');
    await sp.close();

    // The parent's table: the satellite, its files, what it is allocated and what it reported holding.
    await openAndApply(pp, parent, 'Import a satellite’s file', next, 'Import');
    await expect
      .poll(() =>
        handed(pp)
          .getByText(/^File 2 from satellite "Plant 4" applied/)
          .count(),
      )
      .toBe(1);
    await pp.getByRole('tab', { name: 'Licenses' }).click();
    await pp.getByRole('tab', { name: 'Satellites' }).click();
    const row = pp.getByTestId('satellite-Plant 4');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.innerText()).toMatch(
      /disconnected, enrolled[\s\S]*2 applied here; answers 2 of 3 applied there[\s\S]*UCM_Basic 4 in “Lab”[\s\S]*UCM_Basic 0 of 4 reserved in “Lab”/,
    );
    await screenshot(pp, 'satellites-parent');
    await expectAccessible(pp, 'parent side');
    await expectFits(pp, 'parent side');

    // What is no sync file is refused where it was entered; the same file twice changes nothing.
    await importCard.getByLabel('A satellite’s enrolment reply or sync file').fill('not a sync file');
    await importCard.getByRole('button', { name: 'Import', exact: true }).click();
    await expect.poll(() => importCard.getByText(/This is not an SLR Desk sync file/).count()).toBe(1);
    await openAndApply(pp, parent, 'Import a satellite’s file', up, 'Import');
    await expect.poll(() => importCard.getByText(/applied already|replayed/i).count()).toBeGreaterThan(0);
    await screenshot(pp, 'satellites-refused');
  });
});
