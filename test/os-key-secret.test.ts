// The app keeps the authority's signing keys sealed under a key from the OS secret store: made when the
// authority is created, sealed by the store, never beside the ledger in the clear; the CLI, which has no such
// store, is refused with a clear message. The OS store is a fake KeySealer here (Electron does not run in tests).
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteLedgerPort } from '../electron/authority/ledger-port.ts';
import { OS_KEY_FILE, osStoreKeySecret } from '../electron/authority/keys/os-key-secret.ts';
import { plainKeySealer, type KeySealer } from '../electron/platform/key-sealer.ts';
import { slr } from './helpers/cli.ts';
import { rawDb } from './helpers/ledger-audit.ts';

const T = Date.UTC(2026, 4, 1, 9, 0, 0);

/** A stand-in for safeStorage: reversible, and visibly not the plain text. */
const fakeOsStore: KeySealer = {
  seal: async (text) => ({ format: 'safe-storage', value: Buffer.from(text).reverse().toString('base64') }),
  unseal: async (record) => Buffer.from(record.value, 'base64').reverse().toString(),
  unsealSync: (record) => Buffer.from(record.value, 'base64').reverse().toString(),
};

describe('signing keys sealed by the OS secret store (the app)', () => {
  it('makes the store key at init, seals every signing key under it, and signs with it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slr-os-'));
    const port = sqliteLedgerPort(dir, osStoreKeySecret(dir, fakeOsStore));
    // Using the authority before it exists makes no store key.
    await expect(port((l) => l.isInitialized())).rejects.toMatchObject({ code: 'no-authority' });
    expect(existsSync(join(dir, OS_KEY_FILE))).toBe(false);
    const r = await port((l) => l.init('Acme', T), { create: true });
    expect(r.protection).toBe('os-store');
    expect(JSON.parse(readFileSync(join(dir, OS_KEY_FILE), 'utf8')).format).toBe('safe-storage');
    await port(async (l) => {
      for (const k of rawDb(l).prepare('SELECT private_key FROM signing_keys').all() as { private_key: string }[]) expect(k.private_key).toMatch(/^sealed:v1:/);
      expect(await l.keyProtection()).toBe('os-store');
    });
    // A second port (the app started again) opens the keys with the store's key.
    const again = sqliteLedgerPort(dir, osStoreKeySecret(dir, fakeOsStore));
    expect((await again((l) => l.addKey(T + 1000))).endorsedBy).toBe(r.keyId);
    // The CLI cannot open the OS store: refused, saying where the keys can be used.
    const cli = slr(dir, ['--json', 'authority', 'key', 'add'], T + 2000);
    expect(cli.status).toBe(1);
    const error = cli.json<{ error: { code: string; hint: string } }>().error;
    expect(error.code).toBe('keys-locked');
    expect(error.hint).toMatch(/app/);
    // A passphrase does not open keys sealed by the OS store.
    expect(cli.stdout).not.toMatch(/PRIVATE KEY/);
  });

  it('without a real OS store keeps no store key, and the keys as the CLI would', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slr-os-none-'));
    const port = sqliteLedgerPort(dir, osStoreKeySecret(dir, plainKeySealer));
    expect((await port((l) => l.init('Acme', T), { create: true })).protection).toBe('plaintext');
    expect(existsSync(join(dir, OS_KEY_FILE))).toBe(false);
    expect(slr(dir, ['authority', 'key', 'add'], T + 1000).status).toBe(0);
  });

  it('refuses a store key that is not 32 bytes, and a store key file that is gone, with keys-locked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slr-os-bad-'));
    await sqliteLedgerPort(dir, osStoreKeySecret(dir, fakeOsStore))((l) => l.init('Acme', T), { create: true });
    const short: KeySealer = { ...fakeOsStore, unseal: async () => Buffer.alloc(8).toString('base64') };
    await expect(sqliteLedgerPort(dir, osStoreKeySecret(dir, short))((l) => l.addKey(T + 1000))).rejects.toMatchObject({ code: 'keys-locked' });
    const other = mkdtempSync(join(tmpdir(), 'slr-os-other-'));
    // Another store key (another computer's): the check value does not open.
    await sqliteLedgerPort(other, osStoreKeySecret(other, fakeOsStore))((l) => l.init('Other', T), { create: true });
    const foreign = osStoreKeySecret(other, fakeOsStore);
    await expect(sqliteLedgerPort(dir, foreign)((l) => l.addKey(T + 1000))).rejects.toMatchObject({ code: 'keys-locked' });
  });
});
