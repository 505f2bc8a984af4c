/**
 * Debian's Chromium driven by playwright-core (no browser download), headless. One browser per test file,
 * launched at its first use; each `launchBrowser` is a fresh context of it (its own storage, as a fresh
 * profile would be), so a file's windows cost one Chromium start, not one each. A file ends with
 * `closeBrowser()`.
 */
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Window size, zoom (deviceScaleFactor over a smaller viewport) and colour scheme may be set per browser. */
export interface Look {
  readonly viewport?: { readonly width: number; readonly height: number };
  readonly deviceScaleFactor?: number;
  readonly colorScheme?: 'light' | 'dark';
}

let browser: Promise<Browser> | undefined;

function theBrowser(): Promise<Browser> {
  browser ??= chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return browser;
}

/** A new window of the file's browser, as a new profile would open it. */
export async function launchBrowser(look: Look = {}): Promise<BrowserContext> {
  return (await theBrowser()).newContext({ viewport: { width: 1280, height: 900 }, ...look });
}

/** Closes the file's browser (and every context still open in it). */
export async function closeBrowser(): Promise<void> {
  const b = browser;
  browser = undefined;
  if (b) await (await b).close();
}
