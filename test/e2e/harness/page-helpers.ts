/** What both browser suites do to a page: drop a file onto it, and read QR codes back from images. */
import type { Page } from 'playwright-core';
import jsQRModule from 'jsqr';

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
