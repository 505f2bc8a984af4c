/** What the browser suites do to a page: drop a file onto it, read QR codes back, take its picture, check it with axe. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import { expect } from 'vitest';
import jsQRModule from 'jsqr';

export const SHOTS = fileURLToPath(new URL('../../../test-results/screenshots/', import.meta.url));

/** The whole page as test-results/screenshots/<name>.png (to look at). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** No serious or critical axe finding on the page as it is now. */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${where}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

// jsqr is CommonJS with a default export: take the function whichever way the loader hands it over.
export const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ?? jsQRModule) as unknown as (
  data: Uint8ClampedArray,
  width: number,
  height: number,
) => { data: string } | null;

/** A file dropped onto the window, as the operator drags it from a file manager. */
export async function dropFile(page: Page, name: string, text: string) {
  await page.evaluate(
    ([n, t]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([t!], n!, { type: 'text/plain' }));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    [name, text],
  );
}

/** A file or folder dropped from the file system (by its path), read as the main process reads what the preload hands it. */
export async function dropPath(page: Page, path: string) {
  await page.evaluate((p) => (window as unknown as { __harnessDropPath: (p: string) => Promise<void> }).__harnessDropPath(p), path);
}

/**
 * Nothing wider than the window: the page does not scroll sideways, and no visible element reaches past the
 * window's right edge or spills out of its own box over its neighbours, unless a scrolling box holds it (a wide
 * table in its scroller is fine).
 */
export async function expectFits(page: Page, where: string): Promise<void> {
  const found = await page.evaluate(() => {
    const width = window.innerWidth;
    const scrolls = (e: Element) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
    const held = (e: Element) => {
      for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) if (scrolls(p)) return true;
      return false;
    };
    const wide: string[] = [];
    for (const e of document.body.querySelectorAll('*')) {
      const r = e.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      // Its own content spilling out over its neighbours (text that may not wrap in a narrow cell).
      const spills = e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible';
      // Only what is too wide is checked for a scroller holding it (walking every element's ancestors is slow).
      if ((r.right <= width + 1 && !spills) || held(e)) continue;
      wide.push(
        `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.className ? `.${String(e.className).split(' ').join('.')}` : ''} right=${Math.round(r.right)}${spills ? ' spills' : ''}`,
      );
    }
    return { scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5) };
  });
  expect(found.scroll, `${where}: the page scrolls sideways`).toBeLessThanOrEqual(found.width);
  expect(found.wide, `${where}: wider than the window (${found.width}px)`).toEqual([]);
}

/** The instance list's row menu: opens "Actions for SN" and chooses the item named `label`. */
export async function rowAction(scope: Page | Locator, sn: string, label: string): Promise<void> {
  await scope.getByRole('button', { name: `Actions for ${sn}` }).click();
  await scope.getByRole('menuitem', { name: label, exact: true }).click();
}
