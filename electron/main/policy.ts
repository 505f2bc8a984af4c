/**
 * The security policy of every window, as data and small pure functions, so that it is tested without
 * Electron: sandboxed renderer with context isolation, a strict CSP, no navigation, no new windows, no
 * permissions, and IPC accepted only from our own page in our own window.
 */

/** The renderer is served from this origin by a custom protocol (never file://, never http). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'slr-desk';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

export const WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  enableBlinkFeatures: '',
  disableBlinkFeatures: 'Auxclick', // no middle-click opening links in new windows
  webviewTag: false,
  navigateOnDragDrop: false, // a dropped file is taken from the drop event by the preload, never by navigation
  spellcheck: false,
  // Off unless main.ts turns it on for a development run (app.isPackaged false).
  devTools: false,
} as const;

export { CSP } from './csp.ts';

/**
 * Navigation the window may do: none, whatever the URL (file: included). No navigation is ever turned into
 * a file read: page script that sets `location = 'file:///…'` gets nothing. Dropped files come from the
 * drop event, through the preload (see preload.ts and the drop channel).
 */
export function decideNavigation(_url: string): { readonly action: 'deny' } {
  return { action: 'deny' };
}

/** A dropped file's path as the preload sends it: an absolute path, nothing else. */
export function isDroppedPath(path: unknown): path is string {
  return typeof path === 'string' && path.length > 0 && path.length <= 4096 && !path.includes('\0') && (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path));
}

/** Requests the renderer may make: our own app:// files, inline data: images (QR codes), devtools. */
export function isAllowedRequest(url: string): boolean {
  return /^(app:\/\/slr-desk\/|data:image\/|devtools:\/\/)/.test(url);
}

/** Permission requests (camera, notifications, clipboard-read, …): all refused. */
export function decidePermission(_permission: string): boolean {
  return false;
}

/** IPC is accepted only from the main frame of our window showing our own page. */
export function isTrustedSender(sender: { readonly frameUrl: string | undefined; readonly isMainFrame: boolean; readonly fromOurWindow: boolean }): boolean {
  if (!sender.fromOurWindow || !sender.isMainFrame || !sender.frameUrl) return false;
  try {
    return new URL(sender.frameUrl).origin === APP_ORIGIN || sender.frameUrl.startsWith(`${APP_ORIGIN}/`);
  } catch {
    return false;
  }
}

/** Files the app:// protocol serves: only what the renderer build holds, no way out of it. */
export function resolveAppPath(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (`${parsed.protocol}//${parsed.host}` !== APP_ORIGIN) return null;
  const path = decodeURIComponent(parsed.pathname);
  if (path.includes('..') || path.includes('\\') || path.includes('\0')) return null;
  const clean = path === '/' ? '/index.html' : path;
  return /^\/[A-Za-z0-9._\-/]+$/.test(clean) ? clean.slice(1) : null;
}

export const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};
