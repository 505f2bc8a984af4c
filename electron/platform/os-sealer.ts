/**
 * The OS secret store as the app uses it (Electron's safeStorage, given as a port so that every path is tested
 * in Node): trusted only when it really works, that is its backend is a keyring (on Linux not `basic_text`,
 * whose "encryption" is a fixed key in Chromium's source, nor `unknown`) and a round trip through it gives
 * back what went in. Otherwise keys stay as the CLI keeps them, and the app says so. A sealed key it can no
 * longer open (keyring reset, the data directory copied to another computer or user) is a refusal that says
 * what happened and what to do, never an internal error; a key the store asks to re-encrypt is re-sealed.
 */
import { refuse } from '../../shared/errors.ts';
import type { DeviceKeyRecord } from '../../shared/instance/state.ts';
import { plainKeySealer, type KeySealer } from './key-sealer.ts';

/** What the app needs of Electron's safeStorage (its real type satisfies this). */
export interface SafeStorageLike {
  isAsyncEncryptionAvailable(): Promise<boolean>;
  getSelectedStorageBackend(): string;
  encryptStringAsync(text: string): Promise<Buffer>;
  decryptStringAsync(sealed: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
  decryptString(sealed: Buffer): string;
}

/** Backends that only look like a secret store. */
const NOT_A_STORE = new Set(['basic_text', 'unknown']);

export type StoreCheck = { readonly usable: true; readonly backend: string } | { readonly usable: false; readonly why: string };

/** Whether the OS store really seals: a keyring backend, and a round trip that gives back what went in. */
export async function checkOsStore(store: SafeStorageLike, platform: NodeJS.Platform = process.platform): Promise<StoreCheck> {
  try {
    if (!(await store.isAsyncEncryptionAvailable())) return { usable: false, why: 'the operating system offers no secret store to this app' };
    const backend = platform === 'linux' ? store.getSelectedStorageBackend() : platform;
    if (NOT_A_STORE.has(backend)) return { usable: false, why: `the desktop has no keyring answering (secret store backend: ${backend})` };
    const probe = `slr-desk-probe-${Date.now()}-${Math.random()}`;
    const back = await store.decryptStringAsync(await store.encryptStringAsync(probe));
    if (back.result !== probe) return { usable: false, why: 'the secret store gave back something else than what it sealed' };
    return { usable: true, backend };
  } catch (e) {
    return { usable: false, why: `the secret store failed: ${(e as Error).message}` };
  }
}

const unreadable = (e: unknown): never =>
  refuse(
    'key-sealed',
    `The operating system's secret store cannot open a key it sealed for SLR Desk (${(e as Error).message}): its keyring was reset, or this data directory comes from another computer or user.`,
    'Nothing was changed. Unlock with the keyring of the computer and user that made it; or restore from a backup (a product instance: its state backup; License Central: its key backup with `slr authority key restore`).',
  );

/**
 * A KeySealer on the OS store: seals there only when `checkOsStore` passed (checked once, at the first seal);
 * opens what it sealed or refuses in words; `unsealFresh` also says when the store wants it re-sealed.
 */
export function osKeySealer(store: SafeStorageLike, platform: NodeJS.Platform = process.platform): KeySealer & { check(): Promise<StoreCheck> } {
  let checked: Promise<StoreCheck> | undefined;
  const check = () => (checked ??= checkOsStore(store, platform));
  const open = async (record: DeviceKeyRecord['privateKey']) => {
    try {
      return await store.decryptStringAsync(Buffer.from(record.value, 'base64'));
    } catch (e) {
      return unreadable(e);
    }
  };
  return {
    check,
    async seal(value) {
      if (!(await check()).usable) return plainKeySealer.seal(value);
      return { format: 'safe-storage', value: (await store.encryptStringAsync(value)).toString('base64') };
    },
    async unseal(record) {
      if (record.format === 'pkcs8-pem') return record.value;
      return (await open(record)).result;
    },
    async unsealFresh(record) {
      if (record.format === 'pkcs8-pem') return { value: record.value, reseal: false };
      const r = await open(record);
      return { value: r.result, reseal: r.shouldReEncrypt };
    },
    unsealSync(record) {
      if (record.format === 'pkcs8-pem') return record.value;
      try {
        return store.decryptString(Buffer.from(record.value, 'base64'));
      } catch (e) {
        return unreadable(e);
      }
    },
  };
}
