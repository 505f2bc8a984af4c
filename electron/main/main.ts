/**
 * The Electron main process: a thin composition root. It owns one window and wires the services (the same
 * as the CLI's) to it through the bridge. Everything it decides about security is in policy.ts.
 */
import { app, BrowserWindow, clipboard, dialog, ipcMain, protocol, safeStorage, session } from 'electron';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ElectronStore from 'electron-store';
import lockfile from 'proper-lockfile';
import { FILE_DROP_CHANNEL } from '../../shared/bridge.ts';
import { createAppApi, type Dialogs } from '../app/api.ts';
import { sqliteLedgerPort } from '../authority/ledger-port.ts';
import { osStoreKeySecret } from '../authority/keys/os-key-secret.ts';
import type { StoreFactory } from '../device/instance-service.ts';
import { plainKeySealer, type KeySealer } from '../platform/key-sealer.ts';
import { readCodeFile } from '../platform/files.ts';
import { APP_LOCK_NAME } from '../platform/lock.ts';
import { APP_NAME, resolveHome } from '../platform/paths.ts';
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

if (!app.requestSingleInstanceLock()) app.quit();

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

/** Seals the device key with the OS secret store where it offers a real one; else the file (0600) holds it. */
const safeStorageSealer: KeySealer = {
  async seal(pem) {
    const strong =
      (await safeStorage.isAsyncEncryptionAvailable()) && (process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text');
    if (!strong) return plainKeySealer.seal(pem);
    return { format: 'safe-storage', value: (await safeStorage.encryptStringAsync(pem)).toString('base64') };
  },
  async unseal(record) {
    if (record.format === 'pkcs8-pem') return record.value;
    return (await safeStorage.decryptStringAsync(Buffer.from(record.value, 'base64'))).result;
  },
  // Every load checks the state's seal, whose key comes from the device key: at once.
  unsealSync(record) {
    if (record.format === 'pkcs8-pem') return record.value;
    return safeStorage.decryptString(Buffer.from(record.value, 'base64'));
  },
};

let window: BrowserWindow | null = null;

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
    webPreferences: { ...WEB_PREFERENCES, preload: PRELOAD },
  });
  const contents = window.webContents;
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  // No navigation, ever: in particular none is turned into a file read.
  contents.on('will-navigate', (event, url) => {
    if (decideNavigation(url).action === 'deny') event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  window.once('ready-to-show', () => window?.show());
  await window.loadURL(APP_ENTRY);
}

app
  .whenReady()
  .then(async () => {
    const dir = resolveHome(undefined);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // While the app runs, the CLI refuses to write this state (it says so); the lock goes with the process.
    await lockfile.lock(dir, { lockfilePath: join(dir, APP_LOCK_NAME), realpath: false, stale: 15_000, update: 5_000 }).catch(() => undefined);

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

    const api = createAppApi({
      dir,
      dialogs: dialogs(),
      clipboard,
      now: Date.now,
      stores: electronStores,
      sealer: safeStorageSealer,
      provisionedKeys: packagedKeys(),
      ledger: sqliteLedgerPort(dir, osStoreKeySecret(dir, safeStorageSealer)),
    });
    registerBridge(ipcMain, api, () => window?.webContents ?? null);
    // A file the user dropped onto the window: the preload took its path from the drop event.
    ipcMain.handle(FILE_DROP_CHANNEL, (event, path: unknown) => {
      if (!isTrustedSender(senderOf(event, window?.webContents ?? null))) return { error: 'Refused: the call did not come from the SLR Desk window.' };
      if (!isDroppedPath(path)) return { error: 'Refused: not the path of a dropped file.' };
      try {
        return { name: path.split(/[\\/]/).pop() ?? 'file', text: readCodeFile(path) };
      } catch (e) {
        return { error: (e as Error).message };
      }
    });
    await createWindow();
  })
  .catch((e: unknown) => {
    // Nothing can be shown without a window: say it where a launcher's log sees it, and stop.
    console.error('SLR Desk could not start:', e);
    app.exit(1);
  });

app.on('second-instance', () => {
  if (window) {
    if (window.isMinimized()) window.restore();
    window.focus();
  }
});
app.on('web-contents-created', (_event, contents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});
app.on('window-all-closed', () => app.quit());
