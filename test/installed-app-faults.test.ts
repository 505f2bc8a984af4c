/**
 * The installed app's faults, in plain Node against fakes (issue 26): the OS secret store trusted only when a
 * real round trip works on a keyring backend (never `basic_text`), a sealed key it can no longer open refused
 * in words and, for License Central, a workspace that still opens and says why nothing signs; a key the store
 * asks to re-encrypt sealed again; the app lock not taken (another app) or lost while running: said, and stop.
 */
import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { generateKeyPair } from '../electron/platform/crypto.ts';
import type { BridgeMethod, BridgeResults, InstanceView } from '../shared/bridge.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { checkOsStore, osKeySealer, type SafeStorageLike } from '../electron/platform/os-sealer.ts';
import { fakeStore } from './helpers/fake-safe-storage.ts';
import { OS_KEY_FILE, osStoreKeySecret } from '../electron/authority/keys/os-key-secret.ts';
import { sqliteLedgerPort } from '../electron/authority/ledger-port.ts';
import { createAppApi, dispatch } from '../electron/app/api.ts';
import { holdAppLock } from '../electron/main/app-lock.ts';
import { APP_LOCK_NAME } from '../electron/platform/lock.ts';

describe('the OS secret store, trusted only when it works', () => {
  it.each([
    ['a keyring that answers', {}, 'linux', true],
    ['basic_text (a fixed key in Chromium)', { backend: 'basic_text' }, 'linux', false],
    ['no backend known', { backend: 'unknown' }, 'linux', false],
    ['no store at all', { isAsyncEncryptionAvailable: async () => false }, 'linux', false],
    ['a round trip that gives back something else', { decryptStringAsync: async () => ({ result: 'other', shouldReEncrypt: false }) }, 'linux', false],
    ['a store that throws', { encryptStringAsync: async () => Promise.reject(new Error('locked keyring')) }, 'linux', false],
    ['macOS keychain', { backend: 'basic_text' }, 'darwin', true],
  ] as const)('%s', async (_, over, platform, usable) => {
    const { store } = fakeStore(over);
    expect((await checkOsStore(store, platform)).usable).toBe(usable);
    // Sealed in the store only when usable; else kept as the CLI keeps it (and said so by its format).
    const record = await osKeySealer(store, platform).seal('SECRET');
    expect(record.format).toBe(usable ? 'safe-storage' : 'pkcs8-pem');
    if (usable) expect(record.value).not.toContain('SECRET');
  });

  it('refuses in words a key it can no longer open, at once and later', async () => {
    const { store, state } = fakeStore();
    const sealer = osKeySealer(store, 'linux');
    const record = await sealer.seal('SECRET');
    expect(await sealer.unseal(record)).toBe('SECRET');
    state.keyring = 'reset';
    for (const attempt of [() => sealer.unseal(record), async () => sealer.unsealSync(record)]) {
      const e = await attempt().then(
        () => null,
        (x: unknown) => x as { code: string; message: string; hint: string },
      );
      expect(e?.code).toBe('key-sealed');
      expect(e?.message).toMatch(/cannot open a key it sealed for SLR Desk .*keyring was reset, or this data directory comes from another computer or user/);
      expect(e?.hint).toMatch(/Nothing was changed/);
    }
  });
});

describe("License Central's key in the OS store", () => {
  function lc(store: SafeStorageLike) {
    const dir = mkdtempSync(join(tmpdir(), 'slr-os-lc-'));
    const secret = osStoreKeySecret(dir, osKeySealer(store, 'linux'));
    let now = Date.UTC(2026, 6, 1);
    const api = createAppApi({
      dir,
      now: () => (now += 1000),
      clipboard: { writeText: async () => undefined },
      dialogs: { open: async () => null, save: async () => null },
      ledger: sqliteLedgerPort(dir, secret),
      keysProblem: secret.problem,
    });
    return { dir, call: (m: string, ...a: unknown[]) => dispatch(api, m, a) };
  }

  it('a keyring reset leaves a workspace that opens, says why nothing signs, and refuses to sign', async () => {
    const { store, state } = fakeStore();
    const first = lc(store);
    expect((await first.call('authorityInit', 'Acme')).ok).toBe(true);
    expect((await first.call('authorityView')) as unknown).toMatchObject({ ok: true, value: { keyProtection: 'os-store', keysProblem: null } });
    state.keyring = 'reset';
    // The app started again (a new secret: nothing cached).
    const secret = osStoreKeySecret(first.dir, osKeySealer(store, 'linux'));
    const api = createAppApi({
      dir: first.dir,
      now: () => Date.UTC(2026, 6, 2),
      clipboard: { writeText: () => undefined },
      dialogs: { open: async () => null, save: async () => null },
      ledger: sqliteLedgerPort(first.dir, secret),
      keysProblem: secret.problem,
    });
    const view = (await dispatch(api, 'authorityView', [])) as { ok: boolean; value: { smartAccount: string; keysProblem: string | null } };
    expect(view.ok).toBe(true);
    expect(view.value.smartAccount).toBe('Acme');
    expect(view.value.keysProblem).toMatch(/keyring was reset/);
    const sign = (await dispatch(api, 'authorityKeyAdd', [])) as { ok: boolean; error?: { code: string } };
    expect(sign).toMatchObject({ ok: false, error: { code: 'keys-locked' } });
  });

  it('re-seals the key when the store rotated its own, and the keys still open', async () => {
    const { store, state } = fakeStore();
    const { dir, call } = lc(store);
    await call('authorityInit', 'Acme');
    const before = readFileSync(join(dir, OS_KEY_FILE), 'utf8');
    state.keyring = 'k2';
    state.rotated = true;
    const again = osStoreKeySecret(dir, osKeySealer(store, 'linux'));
    const secret = await again(false);
    expect(secret?.kind).toBe('os-store');
    const after = readFileSync(join(dir, OS_KEY_FILE), 'utf8');
    expect(after).not.toBe(before);
    expect(Buffer.from(JSON.parse(after).value, 'base64').toString().startsWith('k2:')).toBe(true);
    state.rotated = false; // the old keyring is gone: only the re-sealed copy opens
    expect((await osStoreKeySecret(dir, osKeySealer(store, 'linux'))(false))?.kind).toBe('os-store');
  });
});

describe('the app lock', () => {
  it('not taken (another app holds it): said, and the app stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slr-lock-'));
    const release = await lockfile.lock(dir, { lockfilePath: join(dir, APP_LOCK_NAME), realpath: false });
    const told = { showError: vi.fn(), exit: vi.fn() };
    expect(await holdAppLock(dir, told)).toBe(false);
    expect(told.showError.mock.calls[0]![0]).toMatch(/is in use by another SLR Desk/);
    expect(told.exit).toHaveBeenCalledWith(1);
    await release();
  });

  it('lost while running (its lock removed): said, and the app stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slr-lock-'));
    const told = { showError: vi.fn(), exit: vi.fn() };
    expect(await holdAppLock(dir, told, { stale: 2_000, update: 1_000 })).toBe(true);
    rmSync(join(dir, APP_LOCK_NAME), { recursive: true, force: true });
    await vi.waitFor(() => expect(told.exit).toHaveBeenCalledWith(2), { timeout: 5_000, interval: 100 });
    expect(told.showError.mock.calls[0]![0]).toMatch(/lost its hold on .*it stops now/);
  });
});

describe('a product instance whose key the OS store no longer opens', () => {
  const T = Date.UTC(2026, 6, 1);
  function device(store: SafeStorageLike, dir = mkdtempSync(join(tmpdir(), 'slr-os-pi-'))) {
    const lcKey = generateKeyPair();
    const api = createAppApi({
      dir,
      now: () => T,
      clipboard: { writeText: async () => undefined },
      dialogs: { open: async () => null, save: async () => null },
      sealer: osKeySealer(store, 'linux'),
      provisionedKeys: [{ text: lcKey.publicKey, label: 'built in: lc.pem' }],
    });
    return {
      dir,
      call: <M extends BridgeMethod>(m: M, ...a: unknown[]) => dispatch(api, m, a) as Promise<Reply<BridgeResults[M]>>,
    };
  }

  type Reply<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
  const valueOf = <T>(r: Reply<T>): T => {
    if (!r.ok) throw new Error(`refused: ${r.error.message}`);
    return r.value;
  };
  const existing = (v: InstanceView) => {
    if (!v.exists) throw new Error('no product instance');
    return v;
  };

  it('opens read-only and says why; starting over is refused while the key opens, then gives a new identity and keeps the old state aside', async () => {
    const { store, state } = fakeStore();
    const { dir, call: first } = device(store);
    const created = existing(valueOf(await first('instanceInit', 'UCM')));
    const oldUdi = created.status.udi;
    const trusted = created.trustedKeys.map((k) => k.id);
    expect(created.keyProblem).toBeNull();
    expect(await first('instanceStartOver')).toMatchObject({
      ok: false,
      error: { code: 'not-allowed', message: expect.stringMatching(/opens: this product instance is not started over/) },
    });
    expect(readdirSync(dir).filter((f) => f.includes('set-aside'))).toEqual([]);

    state.keyring = 'reset';
    const { call } = device(store, dir); // the app started again, its keyring reset
    const view = existing(valueOf(await call('instanceView')));
    expect(view.status.udi).toBe(oldUdi);
    expect(view.keyProblem?.message).toMatch(/cannot open a key it sealed for SLR Desk/);
    // Nothing that signs runs, and nothing is half-done.
    const before = readFileSync(join(dir, 'product-instance.json'), 'utf8');
    expect(await call('instanceCommand', { type: 'enable' })).toMatchObject({ ok: false, error: { code: 'key-sealed' } });
    expect(readFileSync(join(dir, 'product-instance.json'), 'utf8')).toBe(before);

    const done = valueOf(await call('instanceStartOver'));
    expect(done.previousUdi).toBe(oldUdi);
    expect(done.udi).not.toBe(oldUdi);
    expect(readFileSync(join(dir, done.setAside), 'utf8')).toBe(before);

    const after = existing(valueOf(await call('instanceView')));
    expect(after).toMatchObject({ keyProblem: null, status: { udi: done.udi } });
    expect(after.trustedKeys.map((k) => k.id)).toEqual(trusted);
    expect(after.status.evaluation).toMatchObject({ daysLeft: 0, expired: true });
    expect(after.events.at(-1)).toMatchObject({ type: 'state-started-over', message: expect.stringContaining(`remove that instance there`) });
    expect(after.events.at(-1)?.message).toContain(oldUdi);
    // The new key is sealed in the keyring that answers now, and signs.
    expect(await call('instanceCommand', { type: 'enable' })).toMatchObject({ ok: true });
    expect(await call('instanceCommand', { type: 'request' })).toMatchObject({ ok: true, value: { issued: { kind: 'request' } } });
    expect(JSON.parse(readFileSync(join(dir, 'product-instance.json'), 'utf8')).deviceKey.privateKey.format).toBe('safe-storage');
    // A second start-over is refused: this key opens.
    expect(await call('instanceStartOver')).toMatchObject({ ok: false, error: { code: 'not-allowed' } });
  });

  it('refuses to start over where there is no product instance', async () => {
    const { store } = fakeStore();
    const { call } = device(store);
    expect(await call('instanceStartOver')).toMatchObject({ ok: false, error: { code: 'no-instance' } });
  });
});
