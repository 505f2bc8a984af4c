// A working stand-in for Electron's main-process API, just enough for out/main/main.js to reach its first
// window in plain Node (the real binary cannot run here). When the window loads the app it writes what the
// start-up did (test/startup/hooks.mjs records modules and files) to the path in SLR_STARTUP_REPORT and ends
// the process: the start-up budget (README "Start-up budget") is measured and held from that report.
import { writeFileSync } from 'node:fs';

const marks = [];
const mark = (name) => marks.push({ name, ms: performance.now() });
const paths = new Map();
const noop = () => undefined;

function report() {
  mark('first-window-loading');
  const probe = globalThis.__slrStartup;
  writeFileSync(process.env.SLR_STARTUP_REPORT, JSON.stringify({ marks, modules: probe?.modules ?? [], files: probe?.files ?? [] }));
  process.exit(0);
}

export const app = {
  isPackaged: true,
  setName: noop,
  getName: () => 'SLR Desk',
  getVersion: () => '0.0.0',
  setPath: (name, p) => paths.set(name, p),
  getPath: (name) => paths.get(name) ?? process.env.SLR_HOME,
  requestSingleInstanceLock: () => true,
  whenReady: () => {
    mark('main-evaluated');
    return Promise.resolve().then(() => mark('ready'));
  },
  on: noop,
  quit: () => process.exit(0),
  exit: (code) => process.exit(code),
};
export const protocol = { registerSchemesAsPrivileged: noop, handle: noop };
export const session = {
  defaultSession: { setPermissionRequestHandler: noop, setPermissionCheckHandler: noop, webRequest: { onBeforeRequest: noop } },
};
export const ipcMain = { handle: noop, on: noop, removeHandler: noop };
export const dialog = {
  showErrorBox: (title, text) => {
    process.stderr.write(`${title}: ${text}\n`);
    process.exit(3);
  },
};
export const clipboard = { writeText: noop };
/** A desktop without a keyring, as a fresh Linux session may be: keys stay as the CLI keeps them. */
export const safeStorage = {
  isAsyncEncryptionAvailable: async () => false,
  getSelectedStorageBackend: () => 'basic_text',
  encryptStringAsync: async () => Promise.reject(new Error('no store')),
  decryptStringAsync: async () => Promise.reject(new Error('no store')),
  decryptString: () => {
    throw new Error('no store');
  },
};
export class BrowserWindow {
  constructor() {
    mark('window-created');
    this.webContents = { on: noop, setWindowOpenHandler: noop, isLoading: () => true, send: noop };
  }
  once() {}
  isDestroyed() {
    return false;
  }
  loadURL() {
    report();
    return new Promise(noop);
  }
}
export default { app, protocol, session, ipcMain, dialog, clipboard, safeStorage, BrowserWindow };
