/**
 * A cluster in the app (issue 27), in Chromium against the real services: a publisher serving in its own
 * process and a subscriber that joined it with the real `slr`; the subscriber's workspace says it is one, of
 * which publisher, and the status as of the last contact; the publisher's lists its subscriber and says the
 * usage is the cluster's. Screenshot: test-results/screenshots/cluster-subscriber.png.
 */
import { unusedPort } from '../helpers/ports.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { expectAccessible, expectFits, screenshot } from './harness/page-helpers.ts';
import { startHarness, RENDERER_DIR, type Harness } from './harness/server.ts';
import { closeBrowser, launchBrowser, CHROMIUM } from './harness/browser.ts';
import { SLR, slr } from '../helpers/cli.ts';

const skip = process.env.SLR_SKIP_BROWSER === '1';
const AT = new Date(Date.UTC(2026, 11, 3, 9)).toISOString();
let service: ChildProcess | undefined;
const harnesses: Harness[] = [];
let browser: BrowserContext;
let page: Page;
let pub: string;
let sub: string;

describe.skipIf(skip)('a cluster in the app', () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not at ${CHROMIUM}: apt-get install chromium`);
    if (!existsSync(join(RENDERER_DIR, 'index.html'))) throw new Error('The renderer is not built: npm run build');
    const root = mkdtempSync(join(tmpdir(), 'slr-cluster-app-'));
    [pub, sub] = [join(root, 'pub'), join(root, 'sub')];
    for (const home of [pub, sub]) expect(slr(home, ['init', '--pid', 'CUC'], AT).status).toBe(0);
    const code = slr(pub, ['cluster', 'add-node', 'sub-1'], AT).stdout.trim();
    const port = await unusedPort();
    service = spawn(process.execPath, [SLR, '--home', pub, 'cluster', 'serve', '--listen', `127.0.0.1:${port}`], {
      env: { ...process.env, SLR_FROM_SOURCE: '1', SLR_NOW: AT },
    });
    await new Promise<void>((resolve, reject) => {
      service!.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
      service!.once('exit', (c) => reject(new Error(`cluster serve exited ${c}`)));
    });
    const joined = slr(sub, ['cluster', 'join', '--publisher', `http://127.0.0.1:${port}`, '--code', code], AT);
    expect(joined.status, joined.stderr).toBe(0);
    expect(slr(sub, ['license', 'usage', 'CUC_BasicMessaging', '4'], AT).status).toBe(0);
    expect(slr(sub, ['cluster', 'sync'], AT).status).toBe(0);
    browser = await launchBrowser();
    page = browser.pages()[0] ?? (await browser.newPage());
  });
  afterAll(async () => {
    service?.kill('SIGTERM');
    await browser?.close();
    await closeBrowser();
    for (const h of harnesses) await h.close();
  });

  it('tells a subscriber what it is and the status as of its last contact, and the publisher its subscribers', async () => {
    const s = await startHarness(sub, join(sub, '..', 'sub-usb'));
    harnesses.push(s);
    await page.goto(s.url);
    await expect.poll(() => page.getByText(/Cluster subscriber “sub-1” of P:CUC,/).count()).toBe(1);
    expect(await page.getByTestId('cluster').innerText()).toMatch(
      /Only the publisher \(http:\/\/127\.0\.0\.1:\d+\) talks to License Central\. Last contact .*; the licensing status then: Unregistered, /,
    );
    // What only the publisher does is not offered here: the reservation steps say why.
    await expect.poll(() => page.getByText(/only its publisher \(http:\/\/127\.0\.0\.1:\d+\) reserves licenses/).count()).toBeGreaterThan(0);
    await screenshot(page, 'cluster-subscriber');
    await expectAccessible(page, 'cluster subscriber');
    await expectFits(page, 'cluster subscriber');
    const p = await startHarness(pub, join(pub, '..', 'pub-usb'));
    harnesses.push(p);
    await page.goto(p.url);
    await expect.poll(() => page.getByTestId('cluster').count()).toBe(1);
    expect(await page.getByTestId('cluster').innerText()).toMatch(
      /Cluster publisher of 1 subscriber \(sub-1, last contact .*\): the usage shown is the whole cluster’s/,
    );
    await page.getByRole('tab', { name: 'Usage' }).click();
    await expect.poll(() => page.locator('main').innerText()).toMatch(/Basic Messaging[\s\S]*\b4\b/);
  });
});
