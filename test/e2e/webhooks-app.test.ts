/**
 * License Central's webhooks in the app (issue 30), in Chromium against the real services and a receiver on
 * loopback: a URL that is no webhook's is refused where it is typed; one added shows its secret once; a test
 * delivery reaches the receiver signed with that secret and is in the delivery log; removing it leaves none.
 * Screenshots: test-results/screenshots/webhooks-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { expectAccessible, expectFits, screenshot } from './harness/page-helpers.ts';
import { startHarness, RENDERER_DIR, type Harness } from './harness/server.ts';
import { closeBrowser, launchBrowser, CHROMIUM } from './harness/browser.ts';
import { openLedger } from '../../electron/authority/ledger.ts';
import { parseSignatureHeader, signedText } from '../../shared/authority/webhooks.ts';
import { scaled } from '../helpers/time-scale.ts';

const skip = process.env.SLR_SKIP_BROWSER === '1';
const T0 = Date.UTC(2026, 11, 2, 9);

let lc: Harness;
let browser: BrowserContext;
let page: Page;
let receiver: Server;
let url: string;
const got: { headers: IncomingHttpHeaders; body: string }[] = [];

describe.skipIf(skip)('webhooks in the app', () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not at ${CHROMIUM}: apt-get install chromium (or SLR_SKIP_BROWSER=1 to skip on purpose)`);
    if (!existsSync(join(RENDERER_DIR, 'index.html'))) throw new Error('The renderer is not built: npm run build');
    const root = mkdtempSync(join(tmpdir(), 'slr-webhooks-app-'));
    const l = await openLedger({ dir: join(root, 'lc'), actor: 'admin' }, true);
    await l.init('Acme', T0);
    await l.addAccount('Lab', T0);
    await l.close();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        got.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/slr`;
    lc = await startHarness(join(root, 'lc'), join(root, 'usb'));
    lc.setNow(T0 + 60_000);
    browser = await launchBrowser();
    page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(lc.url);
  }, scaled(120_000));
  afterAll(async () => {
    await browser?.close();
    await closeBrowser();
    await lc?.close();
    await new Promise<void>((done) => (receiver ? receiver.close(() => done()) : done()));
  });

  it('adds a webhook (secret shown once), sends it a signed test, shows the delivery log, and removes it', async () => {
    await page.getByRole('tab', { name: 'License Authority' }).click();
    await page.getByRole('tab', { name: 'Webhooks' }).click();
    const panel = page.getByTestId('webhooks');
    await expect.poll(() => panel.getByText('No webhooks.').count()).toBe(1);
    // Plain HTTP to another machine is no webhook's URL.
    await panel.getByLabel('Receiver URL (https://)').fill('http://alerts.example/slr');
    await panel.getByRole('button', { name: 'Add Webhook' }).click();
    await expect.poll(() => panel.getByText(/is plain HTTP: a webhook is called over HTTPS/).count()).toBe(1);
    await panel.getByLabel('Receiver URL (https://)').fill(url);
    await panel.getByLabel('Events of').selectOption('Lab');
    await panel.getByLabel('usage-report').uncheck();
    await panel.getByLabel('Description').fill('ops room');
    await panel.getByRole('button', { name: 'Add Webhook' }).click();
    const secret = panel.getByTestId('webhook-secret');
    await expect.poll(() => secret.count()).toBe(1);
    const key = (await secret.textContent())!;
    expect(key).toMatch(/^whsec_/);
    const row = panel.getByRole('row', { name: new RegExp(url) });
    expect(await row.innerText()).toMatch(/ops room[\s\S]*Lab[\s\S]*compliance, expiry-notice, device-state/);
    await panel.getByRole('button', { name: `Send test to ${url}` }).click();
    await expect.poll(() => panel.getByText('Delivered (HTTP 204).').count()).toBe(1);
    // The receiver got it, signed with the secret shown.
    expect(got).toHaveLength(1);
    const sig = parseSignatureHeader(String(got[0]!.headers['slr-signature']))!;
    expect(createHmac('sha256', key).update(signedText(sig.seconds, got[0]!.body)).digest('hex')).toBe(sig.mac);
    expect(JSON.parse(got[0]!.body)).toMatchObject({ type: 'ping', smartAccount: 'Acme', event: null });
    await panel.getByRole('button', { name: `Deliveries of ${url}` }).click();
    const log = panel.getByTestId('webhook-deliveries');
    await expect.poll(() => log.getByRole('row').count()).toBe(2);
    expect(await log.getByRole('row').nth(1).innerText()).toMatch(/ping\s+delivered\s+1\s+-\s+HTTP 204/);
    await screenshot(page, 'webhooks-tested');
    await expectAccessible(page, 'a webhook tested');
    await expectFits(page, 'a webhook tested');
    await panel.getByRole('button', { name: `Remove ${url}` }).click();
    await expect.poll(() => panel.getByText('No webhooks.').count()).toBe(1);
  });
});
