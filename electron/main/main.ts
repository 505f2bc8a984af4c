/**
 * The Electron main process: a thin composition root. It owns one window and wires the services (the same
 * as the CLI's) to it through the bridge. Everything it decides about security is in policy.ts.
 */
import { app, BrowserWindow, clipboard, dialog, ipcMain, protocol, safeStorage, session } from 'electron';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ElectronStore from 'electron-store';
import { FILE_DROP_CHANNEL } from '../../shared/bridge.ts';
import { FILE_OPEN_CHANNEL } from '../../shared/bridge-channels.ts';
import { codeFilesIn, openedFile } from './opened-files.ts';
import { createApp, type Dialogs } from '../app/api.ts';
import { sqliteLedgerPort } from '../authority/ledger-port.ts';
import { osStoreKeySecret } from '../authority/keys/os-key-secret.ts';
import type { StoreFactory } from '../device/instance-service.ts';
import { readCodeFile } from '../platform/files.ts';
import { readDropped } from '../app/dropped-file.ts';
import { holdAppLock } from './app-lock.ts';
import { APP_NAME, CHROMIUM_PROFILE_DIR, resolveHome } from '../platform/paths.ts';
import { osKeySealer } from '../platform/os-sealer.ts';
import { registerBridge } from './ipc.ts';
import { senderOf } from './ipc.ts';
import {
  APP_ENTRY,
  APP_HOST,
  APP_SCHEME,
  CSP,
  decideNavigation,
  decidePermission,
  isAllowedRequest,
  isDroppedPath,
  isTrustedSender,
  MIME,
  resolveAppPath,
  WEB_PREFERENCES,
} from './policy.ts';
import { LIMITS } from '../../shared/limits.ts';

const here = dirname(fileURLToPath(import.meta.url));
const RENDERER_DIR = join(here, '..', 'renderer');
const PRELOAD = join(here, '..', 'preload', 'preload.cjs');

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false } }]);
app.setName(APP_NAME);

// Chromium's profile in a folder of its own, never mixed with the licensing state (set before the app is ready).
const home = resolveHome(undefined);
app.setPath('userData', join(home, CHROMIUM_PROFILE_DIR));

/** electron-store writes the same file, in the same format, as the CLI's conf store. */
const electronStores: StoreFactory = (cwd, name) =>
  new ElectronStore<Record<string, unknown>>({
    cwd,
    name,
    configFileMode: 0o600,
    clearInvalidConfig: false,
    watch: false,
    accessPropertiesByDotNotation: false,
  });

/** Seals keys with the OS secret store only where a real one answers (see os-sealer.ts); else they stay as the CLI keeps them. */
const sealer = osKeySealer(safeStorage);

let window: BrowserWindow | null = null;
/** Code files handed over before the window could take them (the first start's own, a macOS open-file). */
const pendingFiles: string[] = codeFilesIn(process.argv, process.cwd());

/** Gives the window the code files the desktop opened with the app, read as dropped files are. */
function deliverFiles(paths: readonly string[]): void {
  const contents = window?.webContents;
  if (!contents || contents.isLoading()) {
    pendingFiles.push(...paths);
    return;
  }
  for (const p of paths) contents.send(FILE_OPEN_CHANNEL, openedFile(p));
}

/**
 * License Central key files a vendor builds into the app (`resources/trust/*.pem`, from `build/trust/` by
 * electron-builder's extraResources): a product instance created by this app is provisioned with them.
 */
function packagedKeys(): { text: string; label: string }[] {
  const dir = join(process.resourcesPath ?? '', 'trust');
  if (!process.resourcesPath || !existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.pem'))
    .sort()
    .map((f) => ({ text: readCodeFile(join(dir, f), LIMITS.keyFileBytes), label: `built in: ${f}` }));
}

function dialogs(): Dialogs {
  return {
    async open({ title, filters }) {
      const r = await dialog.showOpenDialog(window!, { title, filters, properties: ['openFile'] });
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    async save({ title, defaultName, filters }) {
      const r = await dialog.showSaveDialog(window!, { title, defaultPath: defaultName, filters });
      return r.canceled ? null : (r.filePath ?? null);
    },
  };
}

async function createWindow(): Promise<void> {
  window = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: APP_NAME,
    backgroundColor: '#f6f7f9',
    // DevTools only in a development run (npm start), never in an installed app.
    webPreferences: { ...WEB_PREFERENCES, devTools: !app.isPackaged, preload: PRELOAD },
  });
  const contents = window.webContents;
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  // No navigation, ever: in particular none is turned into a file read.
  contents.on('will-navigate', (event, url) => {
    if (decideNavigation(url).action === 'deny') event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  // A renderer that crashed or was killed: say so, and load the page again (the state is on disk, intact).
  contents.on('render-process-gone', (_event, details) => {
    if (details.reason === 'clean-exit') return;
    dialog.showErrorBox(APP_NAME, `The window stopped (${details.reason}). It is opened again; nothing that was saved is lost.`);
    if (window && !window.isDestroyed()) void window.loadURL(APP_ENTRY);
  });
  window.once('ready-to-show', () => window?.show());
  contents.on('did-finish-load', () => deliverFiles(pendingFiles.splice(0)));
  await window.loadURL(APP_ENTRY);
}

// One app per user: a second start hands over to the first (which comes to the front) and ends.
if (!app.requestSingleInstanceLock()) app.quit();
else {
  app
    .whenReady()
    .then(async () => {
      const dir = home;
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const told = { showError: (text: string) => dialog.showErrorBox(APP_NAME, text), exit: (code: number) => app.exit(code) };
      if (!(await holdAppLock(dir, told))) return;

      const ses = session.defaultSession;
      ses.setPermissionRequestHandler((_wc, permission, callback) => callback(decidePermission(permission)));
      ses.setPermissionCheckHandler((_wc, permission) => decidePermission(permission));
      ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequest(details.url) }));
      protocol.handle(APP_SCHEME, (request) => {
        const rel = new URL(request.url).host === APP_HOST ? resolveAppPath(request.url) : null;
        if (!rel) return new Response('Not found', { status: 404 });
        try {
          const body = readFileSync(join(RENDERER_DIR, rel));
          return new Response(body, {
            headers: { 'content-type': MIME[extname(rel)] ?? 'application/octet-stream', 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' },
          });
        } catch {
          return new Response('Not found', { status: 404 });
        }
      });

      const keySecret = osStoreKeySecret(dir, sealer);
      const { api, rounds } = createApp({
        dir,
        dialogs: dialogs(),
        clipboard,
        now: Date.now,
        stores: electronStores,
        sealer,
        provisionedKeys: packagedKeys(),
        ledger: sqliteLedgerPort(dir, keySecret),
        keysProblem: keySecret.problem,
      });
      registerBridge(ipcMain, api, () => window?.webContents ?? null);
      // A file the user dropped onto the window: the preload took its path from the drop event.
      ipcMain.handle(FILE_DROP_CHANNEL, (event, path: unknown) => {
        if (!isTrustedSender(senderOf(event, window?.webContents ?? null))) return { error: 'Refused: the call did not come from the SLR Desk window.' };
        if (!isDroppedPath(path)) return { error: 'Refused: not the path of a dropped file.' };
        try {
          return readDropped(path);
        } catch (e) {
          return { error: (e as Error).message };
        }
      });
      await createWindow();
      // A connected satellite synchronises with its parent by itself while the app runs (as `slr authority serve` does).
      const schedule = rounds({ onRound: (r) => !r.ok && console.warn('Satellite round failed:', r.error.message) });
      app.on('before-quit', () => void schedule.stop());
    })
    .catch((e: unknown) => {
      // Nothing can be shown without a window: say it where a launcher's log sees it, and stop.
      console.error('SLR Desk could not start:', e);
      app.exit(1);
    });

  app.on('second-instance', (_event, argv, cwd) => {
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
    deliverFiles(codeFilesIn(argv, cwd));
  });
  app.on('open-file', (event, path) => {
    event.preventDefault();
    deliverFiles(codeFilesIn(['', path], '/'));
  });
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  app.on('window-all-closed', () => app.quit());
}
