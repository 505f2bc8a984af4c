/**
 * The app's key for the authority's signing keys: 32 random bytes, kept in the data directory sealed by the
 * operating system's secret store (Electron's safeStorage, through the same KeySealer as the device key).
 * Where the OS offers no real store (Linux without a keyring), there is no such key and the signing keys stay
 * as the CLI keeps them without a passphrase; `slr authority key protect` can still encrypt them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describeError, isSlrError, refuse } from '../../../shared/errors.ts';
import type { KeySealer } from '../../platform/key-sealer.ts';
import { writeTextFile } from '../../platform/files.ts';
import type { KeySecret } from './key-storage.ts';

export const OS_KEY_FILE = 'authority-key.sealed.json';

/**
 * The secret for a ledger use; made (and sealed) only when an authority is created (`create`). When the store
 * cannot open the sealed key, the ledger still opens (its views, its log: nothing that signs) and `problem()`
 * says why; what signs is refused.
 */
export function osStoreKeySecret(dir: string, sealer: KeySealer): ((create: boolean) => Promise<KeySecret | undefined>) & { problem(): string | null } {
  const path = join(dir, OS_KEY_FILE);
  let cached: KeySecret | undefined;
  let problem: string | null = null;
  /** The key sealed in the data directory, opened (and sealed again if the store rotated its own key). */
  const openSealed = async (): Promise<KeySecret> => {
    const record = JSON.parse(readFileSync(path, 'utf8')) as Awaited<ReturnType<KeySealer['seal']>>;
    const opened = sealer.unsealFresh ? await sealer.unsealFresh(record) : { value: await sealer.unseal(record), reseal: false };
    const key = Buffer.from(opened.value, 'base64');
    if (key.length !== 32) refuse('keys-locked', `${path} does not hold a key of the OS secret store.`, 'Restore the signing keys from a key backup.');
    if (opened.reseal) {
      const again = await sealer.seal(opened.value);
      if (again.format !== 'pkcs8-pem') writeTextFile(path, JSON.stringify(again), 0o600);
    }
    return { kind: 'os-store', key };
  };
  /** A new key, sealed; none where there is no real secret store (no key beside the ledger in the clear). */
  const make = async (): Promise<KeySecret | undefined> => {
    const key = randomBytes(32);
    const record = await sealer.seal(key.toString('base64'));
    if (record.format === 'pkcs8-pem') return undefined;
    writeTextFile(path, JSON.stringify(record), 0o600);
    return { kind: 'os-store', key };
  };
  const secret = async (create: boolean): Promise<KeySecret | undefined> => {
    if (cached) return cached;
    if (!existsSync(path)) return create ? (cached = await make()) : undefined;
    try {
      cached = await openSealed();
      problem = null;
      return cached;
    } catch (e) {
      if (!isSlrError(e)) throw e;
      problem = describeError(e);
      return undefined;
    }
  };
  return Object.assign(secret, { problem: () => problem });
}
