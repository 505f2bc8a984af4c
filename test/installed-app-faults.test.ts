/**
 * The installed app's faults, in plain Node against fakes (issue 26): the OS secret store trusted only when a
 * real round trip works on a keyring backend (never `basic_text`), a sealed key it can no longer open refused
 * in words and, for License Central, a workspace that still opens and says why nothing signs; a key the store
 * asks to re-encrypt sealed again; the app lock not taken (another app) or lost while running: said, and stop.
 */
import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { checkOsStore, osKeySealer, type SafeStorageLike } from '../electron/platform/os-sealer.ts';
import { OS_KEY_FILE, osStoreKeySecret } from '../electron/authority/keys/os-key-secret.ts';
import { sqliteLedgerPort } from '../electron/authority/ledger-port.ts';
import { createAppApi, dispatch } from '../electron/app/api.ts';
import { holdAppLock } from '../electron/main/app-lock.ts';
import { APP_LOCK_NAME } from '../electron/platform/lock.ts';

/** A safeStorage that seals with a key of its own ("keyring"), which a test may reset, rotate or break. */
function fakeStore(over: Partial<SafeStorageLike> & { backend?: string } = {}) {
  const state = { keyring: 'k1', rotated: false };
  const seal = (text: string) => Buffer.from(`${state.keyring}:${Buffer.from(text).toString('base64')}`);
  const open = (b: Buffer) => {
    const [ring, body] = b.toString().split(':');
    if (ring !== state.keyring && !(state.rotated && ring === 'k1'))
      throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return Buffer.from(body!, 'base64').toString();
  };
  const store: SafeStorageLike = {
    isAsyncEncryptionAvailable: async () => true,
    getSelectedStorageBackend: () => over.backend ?? 'gnome_libsecret',
    encryptStringAsync: async (t) => seal(t),
    decryptStringAsync: async (b) => ({ result: open(b), shouldReEncrypt: state.rotated && b.toString().startsWith('k1:') }),
    decryptString: (b) => open(b),
    ...over,
  };
  return { store, state };
}

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
