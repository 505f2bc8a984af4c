/**
 * The browser test harness: serves the built renderer over HTTP and the bridge contract (shared/bridge.ts)
 * backed by the real services (electron/app/api.ts), exactly as the main process does over IPC.
 * Only the Electron-specific ports are stand-ins: the native dialogs (open takes the next queued path, save
 * writes into a "USB stick" directory under the default name), the clipboard, and the drop of a file onto
 * the window (read in the page, as the main process would read it, and delivered as the same event).
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BRIDGE_METHODS } from '../../../shared/bridge.ts';
import { createAppApi, dispatch } from '../../../electron/app/api.ts';
import { readDropped } from '../../../electron/app/dropped-file.ts';
import type { AppPorts } from '../../../electron/app/ports.ts';
import { MIME, resolveAppPath } from '../../../electron/main/policy.ts';

export const RENDERER_DIR = fileURLToPath(new URL('../../../out/renderer/', import.meta.url));

const BRIDGE_SCRIPT = `
(() => {
  const methods = ${JSON.stringify(BRIDGE_METHODS)};
  const api = {};
  for (const m of methods) {
    api[m] = async (...args) => {
      const r = await fetch('/api/' + m, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(args) });
      return r.json();
    };
  }
  const listeners = new Set();
  api.onFileDropped = (fn) => { listeners.add(fn); return () => listeners.delete(fn); };
  // What the main process does for a file dropped onto the window: read it (bounded) and send its text.
  window.addEventListener('dragover', (e) => e.preventDefault(), true);
  window.addEventListener('drop', async (e) => {
    e.preventDefault();
    const file = e.dataTransfer && e.dataTransfer.files[0];
    if (!file) return;
    const payload = file.size > 1048576 ? { error: file.name + ' is ' + file.size + ' bytes; a code file is at most 1048576 bytes.' } : { name: file.name, text: await file.text() };
    for (const fn of listeners) fn(payload);
  }, true);
  // A file or folder dropped from the file system, by its path: read as the main process reads it (readDropped).
  window.__harnessDropPath = async (path) => {
    const r = await fetch('/drop-path', { method: 'POST', body: path });
    const payload = await r.json();
    for (const fn of listeners) fn(payload);
  };
  window.slr = Object.freeze(api);
})();
`;

export interface Harness {
  readonly url: string;
  readonly dir: string;
  readonly usb: string;
  /** The path the next "open file" dialog returns (null: the operator cancels). */
  queueOpen(path: string | null): void;
  clipboard(): string;
  setNow(ms: number | null): void;
  close(): Promise<void>;
}

/** `ports`: what an Electron-side port is in a test (e.g. an OS secret store that a test can reset). */
export async function startHarness(dir: string, usb: string, ports: Pick<AppPorts, 'sealer'> = {}): Promise<Harness> {
  mkdirSync(usb, { recursive: true });
  const opens: (string | null)[] = [];
  let clip = '';
  let fixedNow: number | null = null;
  const api = createAppApi({
    ...ports,
    dir,
    now: () => fixedNow ?? Date.now(),
    clipboard: {
      writeText: (t) => {
        clip = t;
      },
    },
    dialogs: {
      open: async () => opens.shift() ?? null,
      save: async ({ defaultName }) => join(usb, defaultName),
    },
  });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://harness');
    if (req.method === 'POST' && url.pathname.startsWith('/api/')) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on(
        'end',
        () =>
          void (async () => {
            let args: unknown;
            try {
              args = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              args = null;
            }
            const reply = await dispatch(api, url.pathname.slice(5), args);
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify(reply));
          })(),
      );
      return;
    }
    if (req.method === 'POST' && url.pathname === '/drop-path') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let payload: unknown;
        try {
          payload = readDropped(Buffer.concat(chunks).toString('utf8'));
        } catch (e) {
          payload = { error: (e as Error).message };
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      });
      return;
    }
    if (url.pathname === '/harness-bridge.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(BRIDGE_SCRIPT);
      return;
    }
    const rel = resolveAppPath(`app://slr-desk${url.pathname}`);
    if (!rel) {
      res.writeHead(404).end();
      return;
    }
    try {
      let body: Buffer | string = readFileSync(join(RENDERER_DIR, rel));
      // The harness's bridge speaks HTTP to this server: the only change to the page's CSP is connect-src 'self'.
      if (rel === 'index.html') {
        body = body
          .toString('utf8')
          .replace("connect-src 'none'", "connect-src 'self'")
          .replace('<script type="module"', '<script src="./harness-bridge.js"></script><script type="module"');
      }
      res.writeHead(200, { 'content-type': MIME[extname(rel)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    dir,
    usb,
    queueOpen: (p) => {
      opens.push(p);
    },
    clipboard: () => clip,
    setNow: (ms) => {
      fixedNow = ms;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
