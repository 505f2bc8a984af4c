// The Electron main process, run against a recording fake of the `electron` module (the real one cannot
// run here): the window's webPreferences, the CSP it is served with, navigation, new windows, permissions,
// the drop of a file, and the IPC sender and argument checks.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { generateKeyPair, keyId } from '../electron/platform/crypto.ts';
import { slr } from './helpers/cli.ts';
import { instanceService } from '../electron/device/instance-service.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { META_CSP } from '../electron/main/csp.ts';
import { APP_ENTRY, CSP, decideNavigation, decidePermission, isTrustedSender, resolveAppPath, WEB_PREFERENCES } from '../electron/main/policy.ts';
import { BRIDGE_METHODS, channelOf, FILE_DROP_CHANNEL } from '../shared/bridge.ts';
import { FILE_OPEN_CHANNEL } from '../shared/bridge-channels.ts';

type Handler = (...args: unknown[]) => unknown;
const home = mkdtempSync(join(tmpdir(), 'slr-main-'));
process.env.SLR_HOME = home;
// A vendor's build: a License Central key file in resources/trust/ provisions every instance the app creates.
const resources = mkdtempSync(join(tmpdir(), 'slr-resources-'));
const builtInKey = generateKeyPair();
mkdirSync(join(resources, 'trust'));
writeFileSync(join(resources, 'trust', 'license-central.pem'), builtInKey.publicKey);
(process as { resourcesPath?: string }).resourcesPath = resources;

const recorded = vi.hoisted(() => ({
  windows: [] as {
    options: Record<string, unknown>;
    contents: Record<string, unknown>;
    events: Map<string, Handler>;
    sent: unknown[][];
    openHandler?: Handler;
    url?: string;
  }[],
  ipc: new Map<string, Handler>(),
  protocolHandler: undefined as undefined | ((req: { url: string }) => Response),
  privileged: [] as unknown[],
  permissionRequest: undefined as undefined | Handler,
  permissionCheck: undefined as undefined | Handler,
  ready: undefined as undefined | (() => void),
  beforeRequest: undefined as undefined | Handler,
  paths: new Map<string, string>(),
  errorBoxes: [] as string[],
  exits: [] as number[],
  appEvents: new Map<string, Handler>(),
}));

vi.mock('electron', () => {
  class BrowserWindow {
    webContents: Record<string, unknown>;
    constructor(options: Record<string, unknown>) {
      const events = new Map<string, Handler>();
      const entry: (typeof recorded.windows)[number] = { options, contents: {}, events, sent: [] };
      const mainFrame = { url: APP_ENTRY };
      this.webContents = entry.contents = {
        mainFrame,
        on: (name: string, fn: Handler) => events.set(name, fn),
        setWindowOpenHandler: (fn: Handler) => {
          entry.openHandler = fn;
        },
        send: (...args: unknown[]) => entry.sent.push(args),
        isLoading: () => false,
      };
      recorded.windows.push(entry);
      void this;
      this.loadURL = async (url: string) => {
        entry.url = url;
      };
    }
    loadURL: (url: string) => Promise<void>;
    once() {}
    show() {}
    isDestroyed() {
      return false;
    }
    isMinimized() {
      return false;
    }
    restore() {}
    focus() {}
  }
  const electron = {
    app: {
      setName() {},
      requestSingleInstanceLock: () => true,
      quit() {},
      on: (name: string, fn: Handler) => recorded.appEvents.set(name, fn),
      whenReady: () =>
        new Promise<void>((resolve) => {
          recorded.ready = resolve;
        }),
      getPath: () => home,
      setPath: (name: string, path: string) => recorded.paths.set(name, path),
      getVersion: () => '0.0.0',
      isPackaged: true,
      exit: (code: number) => recorded.exits.push(code),
    },
    BrowserWindow,
    clipboard: { writeText() {} },
    dialog: { showErrorBox: (_title: string, text: string) => recorded.errorBoxes.push(text) },
    ipcMain: { handle: (channel: string, fn: Handler) => recorded.ipc.set(channel, fn), on() {} },
    protocol: {
      registerSchemesAsPrivileged: (s: unknown[]) => recorded.privileged.push(...s),
      handle: (_scheme: string, fn: (req: { url: string }) => Response) => {
        recorded.protocolHandler = fn;
      },
    },
    safeStorage: {
      isAsyncEncryptionAvailable: async () => true,
      getSelectedStorageBackend: () => 'gnome_libsecret',
      encryptStringAsync: async (text: string) => Buffer.from(`sealed:${Buffer.from(text).toString('base64')}`),
      decryptStringAsync: async (b: Buffer) => ({ result: Buffer.from(b.toString().slice(7), 'base64').toString(), shouldReEncrypt: false }),
      decryptString: (b: Buffer) => Buffer.from(b.toString().slice(7), 'base64').toString(),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: Handler) => {
          recorded.permissionRequest = fn;
        },
        setPermissionCheckHandler: (fn: Handler) => {
          recorded.permissionCheck = fn;
        },
        webRequest: {
          onBeforeRequest: (fn: Handler) => {
            recorded.beforeRequest = fn;
          },
        },
      },
    },
    shell: {},
  };
  return { ...electron, default: electron };
});

describe('the main process', () => {
  beforeAll(async () => {
    await import('../electron/main/main.ts');
    recorded.ready!();
    await vi.waitFor(() => expect(recorded.windows[0]?.url).toBe(APP_ENTRY));
  });
  afterAll(() => {
    delete process.env.SLR_HOME;
  });

  it('opens one window with the hardened webPreferences and the sandboxed CommonJS preload', () => {
    const prefs = recorded.windows[0]!.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
    });
    expect(String(prefs.preload)).toMatch(/preload[\\/]preload\.cjs$/);
    expect(recorded.windows[0]!.url).toBe('app://slr-desk/index.html');
  });

  it("in an installed app: no DevTools, Chromium's profile in its own folder, a renderer that died reloaded with a word", async () => {
    const w = recorded.windows[0]!;
    expect((w.options.webPreferences as Record<string, unknown>).devTools).toBe(false);
    expect(recorded.paths.get('userData')).toBe(join(home, 'chromium-profile'));
    const gone = w.events.get('render-process-gone')!;
    w.url = undefined;
    gone({}, { reason: 'clean-exit' });
    expect([w.url, recorded.errorBoxes.length]).toEqual([undefined, 0]);
    gone({}, { reason: 'crashed' });
    expect(recorded.errorBoxes.at(-1)).toMatch(/The window stopped \(crashed\)\. It is opened again; nothing that was saved is lost\./);
    await vi.waitFor(() => expect(w.url).toBe(APP_ENTRY));
    expect(recorded.exits).toEqual([]);
  });

  it('hands a code file the desktop opens with a second start to the window, read as a dropped one; nothing else', () => {
    const w = recorded.windows[0]!;
    const usb = mkdtempSync(join(tmpdir(), 'slr-open-'));
    writeFileSync(join(usb, 'cc920-authorization.slrauth'), '<specificPLR>x</specificPLR>');
    writeFileSync(join(usb, 'notes.txt'), 'not a code');
    writeFileSync(join(usb, 'huge.slrreq'), 'x'.repeat(2_000_000));
    w.sent.length = 0;
    recorded.appEvents.get('second-instance')!(
      {},
      ['slr-desk', '--flag', 'cc920-authorization.slrauth', 'notes.txt', 'missing.slrret', join(usb, 'huge.slrreq')],
      usb,
    );
    const opened = w.sent.filter((m) => m[0] === FILE_OPEN_CHANNEL).map((m) => m[1] as { name?: string; text?: string; error?: string });
    expect(opened[0]).toEqual({ name: 'cc920-authorization.slrauth', text: '<specificPLR>x</specificPLR>' });
    expect(opened[1]!.error).toMatch(/too large|bytes/i);
    expect(opened).toHaveLength(2);
    w.sent.length = 0;
  });

  it('serves the renderer from app:// only, with the strict CSP, and cancels every other request', async () => {
    const ok = recorded.protocolHandler!({ url: 'app://slr-desk/nope.html' });
    expect(ok.status).toBe(404);
    expect(recorded.protocolHandler!({ url: 'app://slr-desk/../../etc/passwd' }).status).toBe(404);
    expect(recorded.protocolHandler!({ url: 'app://other-host/index.html' }).status).toBe(404);
    const decide = (url: string) => {
      let r: unknown;
      recorded.beforeRequest!({ url }, (x: unknown) => {
        r = x;
      });
      return r;
    };
    expect(decide('https://example.com/')).toEqual({ cancel: true });
    expect(decide('http://127.0.0.1/')).toEqual({ cancel: true });
    expect(decide('app://slr-desk/index.html')).toEqual({ cancel: false });
    expect(decide('data:image/svg+xml;charset=utf-8,%3Csvg%3E')).toEqual({ cancel: false });
    expect(decide('app://other/index.html')).toEqual({ cancel: true });
    expect(decide('data:text/html,<script>alert(1)</script>')).toEqual({ cancel: true });
    expect(recorded.privileged).toEqual([expect.objectContaining({ scheme: 'app' })]);
  });

  it('denies new windows, blocks navigation, refuses every permission', () => {
    const w = recorded.windows[0]!;
    expect(w.openHandler!({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    let prevented = false;
    w.events.get('will-navigate')!(
      {
        preventDefault: () => {
          prevented = true;
        },
      },
      'https://example.com/',
    );
    expect(prevented).toBe(true);
    expect(w.sent).toEqual([]);
    let granted: boolean | undefined;
    recorded.permissionRequest!(null, 'media', (g: boolean) => {
      granted = g;
    });
    expect(granted).toBe(false);
    expect(recorded.permissionCheck!(null, 'clipboard-read')).toBe(false);
  });

  it('never turns a navigation into a file read: page script setting location to a file: URL gets nothing', () => {
    const w = recorded.windows[0]!;
    const secret = join(mkdtempSync(join(tmpdir(), 'slr-other-')), 'product-instance.json');
    writeFileSync(secret, '{"deviceKey":"secret"}');
    for (const url of [`file://${secret}`, `file:///${secret}`, 'file:///etc/passwd']) {
      let prevented = false;
      w.events.get('will-navigate')!(
        {
          preventDefault: () => {
            prevented = true;
          },
        },
        url,
      );
      expect(prevented, url).toBe(true);
    }
    expect(w.sent).toEqual([]);
    expect(WEB_PREFERENCES.navigateOnDragDrop).toBe(false);
  });

  it('reads a dropped file only on the drop channel, from our window, bounded', async () => {
    const w = recorded.windows[0]!;
    const drop = recorded.ipc.get(FILE_DROP_CHANNEL)!;
    const ours = { sender: w.contents, senderFrame: (w.contents as { mainFrame: unknown }).mainFrame };
    const file = join(home, 'cc920-authorization.txt');
    writeFileSync(file, '<specificPLR>…</specificPLR>');
    expect(await drop(ours, file)).toEqual({ name: 'cc920-authorization.txt', text: '<specificPLR>…</specificPLR>' });
    const big = join(home, 'big.txt');
    writeFileSync(big, 'x'.repeat(1_100_000));
    expect(((await drop(ours, big)) as { error: string }).error).toMatch(/larger than 1048576 bytes/);
    // A folder is a batch of request files (a batch reservation's): its codes, or why there are none.
    expect(((await drop(ours, home)) as { error: string }).error).toMatch(/The folder .* holds no request code/);
    const folder = join(home, 'requests');
    mkdirSync(folder);
    writeFileSync(join(folder, 'cc920-request.txt'), 'ONE-CODE\n');
    writeFileSync(join(folder, 'notes.txt'), 'not a request');
    expect(await drop(ours, folder)).toEqual({ name: 'requests', text: 'ONE-CODE\n', folder: true });
    for (const bad of ['', 'relative.txt', 42, null, `${file}\0x`])
      expect(((await drop(ours, bad)) as { error: string }).error).toMatch(/not the path of a dropped file/);
    const stranger = { sender: { mainFrame: { url: APP_ENTRY } }, senderFrame: { url: APP_ENTRY } };
    expect(((await drop(stranger, file)) as { error: string }).error).toMatch(/did not come from the SLR Desk window/);
  });

  it("registers exactly the contract's channels, refuses other senders and invalid arguments", async () => {
    expect([...recorded.ipc.keys()].sort()).toEqual([...BRIDGE_METHODS.map(channelOf), FILE_DROP_CHANNEL].sort());
    const w = recorded.windows[0]!;
    const ours = { sender: w.contents, senderFrame: (w.contents as { mainFrame: unknown }).mainFrame };
    const view = recorded.ipc.get(channelOf('instanceView'))!;
    expect(await view(ours)).toMatchObject({ ok: true, value: { exists: false } });
    const stranger = { sender: { mainFrame: { url: APP_ENTRY } }, senderFrame: { url: APP_ENTRY } };
    expect(await view(stranger)).toMatchObject({ ok: false, error: { code: 'untrusted-sender' } });
    const subframe = { sender: w.contents, senderFrame: { url: APP_ENTRY } };
    expect(await view(subframe)).toMatchObject({ ok: false, error: { code: 'untrusted-sender' } });
    const elsewhere = { sender: w.contents, senderFrame: { ...(w.contents as { mainFrame: object }).mainFrame, url: 'https://evil.example/' } };
    expect(await view({ ...elsewhere, senderFrame: elsewhere.senderFrame })).toMatchObject({ ok: false });
    const init = recorded.ipc.get(channelOf('instanceInit'))!;
    expect(await init(ours, 'XYZ')).toMatchObject({ ok: false, error: { code: 'bad-call' } });
    expect(await init(ours, 'UCM', 'extra')).toMatchObject({ ok: false, error: { code: 'bad-call' } });
    const command = recorded.ipc.get(channelOf('instanceCommand'))!;
    expect(await command(ours, { type: 'usage', tag: 'UCM_Basic', count: -1 })).toMatchObject({ ok: false, error: { code: 'bad-call' } });
    const polluted = JSON.parse('{"type":"usage","tag":"UCM_Basic","count":1,"__proto__":{"admin":true}}');
    expect(await command(ours, polluted)).toMatchObject({ ok: false, error: { code: 'bad-call' } });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(await init(ours, 'UCM')).toMatchObject({ ok: true, value: { exists: true } });
    // Provisioned with the key built into the app.
    expect(await view(ours)).toMatchObject({ ok: true, value: { trustedKeys: [{ id: keyId(builtInKey.publicKey), label: 'built in: license-central.pem' }] } });
  });

  it('seals the device key with the OS secret storage, in the file the CLI shares (which then says it cannot open it)', async () => {
    const file = JSON.parse(readFileSync(join(home, 'product-instance.json'), 'utf8'));
    expect(file.deviceKey.privateKey.format).toBe('safe-storage');
    expect(JSON.stringify(file)).not.toContain('PRIVATE KEY');
    const w = recorded.windows[0]!;
    const ours = { sender: w.contents, senderFrame: (w.contents as { mainFrame: unknown }).mainFrame };
    const command = recorded.ipc.get(channelOf('instanceCommand'))!;
    expect(await command(ours, { type: 'enable' })).toMatchObject({ ok: true });
    expect(await command(ours, { type: 'request' })).toMatchObject({ ok: true, value: { issued: { kind: 'request' } } });
    // While the app runs, the CLI refuses to write its state, and says so; reading is fine.
    const cli = slr(home, ['license', 'smart', 'reservation', 'cancel']);
    expect(cli.status).toBe(3);
    expect(cli.stderr).toContain('The SLR Desk app is running on');
    const read = slr(home, ['show', 'license', 'status']);
    expect(read.stdout).toContain('Registration Status: Reservation In Progress');
    expect(read.stderr).toMatch(/cannot check the state's seal/);
    // Without the app, a command that needs the sealed device key says so; so does every change (its seal
    // needs the device key), and nothing is written.
    const before = readFileSync(join(home, 'product-instance.json'), 'utf8');
    await expect(instanceService({ dir: home }).run({ type: 'return-authorization', code: '<specificPLR/>' }, Date.now())).rejects.toThrow(
      /sealed by the desktop app/,
    );
    await expect(instanceService({ dir: home }).run({ type: 'cancel' }, Date.now())).rejects.toThrow(/sealed by the desktop app/);
    expect(readFileSync(join(home, 'product-instance.json'), 'utf8')).toBe(before);
  });
});

describe('the security policy', () => {
  it('has one CSP: the built page carries what the main process sends (less frame-ancestors, which a meta cannot set)', () => {
    const page = readFileSync(new URL('../out/renderer/index.html', import.meta.url), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(page)?.[1];
    expect(meta).toBe(META_CSP);
    expect(`${meta}; frame-ancestors 'none'`.split('; ').sort()).toEqual(CSP.split('; ').sort());
    expect(page).not.toContain('%SLR_CSP%');
  });

  it('has a CSP without inline or eval, allowing only our own scripts and styles', () => {
    expect(CSP).toContain("default-src 'none'");
    expect(CSP).toContain("script-src 'self'");
    expect(CSP).toContain("connect-src 'none'");
    expect(CSP).not.toMatch(/unsafe-(inline|eval)/);
    expect(WEB_PREFERENCES.nodeIntegrationInSubFrames).toBe(false);
  });

  it('decides navigation, permissions, senders and app:// paths', () => {
    expect(decideNavigation('https://example.com/')).toEqual({ action: 'deny' });
    expect(decideNavigation('app://slr-desk/other.html')).toEqual({ action: 'deny' });
    expect(decideNavigation('javascript:alert(1)')).toEqual({ action: 'deny' });
    expect(decideNavigation('file:///media/usb/cc920-authorization.txt')).toEqual({ action: 'deny' });
    expect(decideNavigation('file:///C:/Users/op/code%20file.txt')).toEqual({ action: 'deny' });
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) expect(decidePermission(p)).toBe(false);
    expect(isTrustedSender({ frameUrl: APP_ENTRY, isMainFrame: true, fromOurWindow: true })).toBe(true);
    expect(isTrustedSender({ frameUrl: 'app://slr-desk.evil/index.html', isMainFrame: true, fromOurWindow: true })).toBe(false);
    expect(isTrustedSender({ frameUrl: 'https://slr-desk/', isMainFrame: true, fromOurWindow: true })).toBe(false);
    expect(isTrustedSender({ frameUrl: undefined, isMainFrame: true, fromOurWindow: true })).toBe(false);
    expect(resolveAppPath('app://slr-desk/')).toBe('index.html');
    expect(resolveAppPath('app://slr-desk/assets/index-1.js')).toBe('assets/index-1.js');
    expect(resolveAppPath('app://slr-desk/%2e%2e/%2e%2e/secret')).toBe('secret'); // URL normalisation keeps it inside the root
    for (const bad of ['app://slr-desk/a%00b', 'app://slr-desk/..%5c..%5cwin.ini', 'app://other/index.html', 'not a url'])
      expect(resolveAppPath(bad)).toBeNull();
  });
});
