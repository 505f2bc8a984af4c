/**
 * How a private key is kept at rest: the app seals it with the operating system's secret store (Electron's
 * safeStorage) where there is one; the CLI keeps it as PEM in a 0600 file (plainKeySealer). The device key
 * and the app's key for the authority's signing keys (authority/keys/os-key-secret.ts) both go through it.
 */
import { refuse } from '../../shared/errors.ts';
import type { DeviceKeyRecord } from '../../shared/instance/state.ts';

/** How the device private key is kept at rest; the app seals it with the OS keychain where there is one. */
export interface KeySealer {
  seal(privateKeyPem: string): Promise<DeviceKeyRecord['privateKey']>;
  unseal(record: DeviceKeyRecord['privateKey']): Promise<string>;
  /** The same, at once: every load checks the state's seal, whose key comes from the device key. */
  unsealSync(record: DeviceKeyRecord['privateKey']): string;
  /** The same, saying whether the store asks for it to be sealed again (its key was rotated). */
  unsealFresh?(record: DeviceKeyRecord['privateKey']): Promise<{ value: string; reseal: boolean }>;
}

function plainKey(record: DeviceKeyRecord['privateKey']): string {
  if (record.format !== 'pkcs8-pem') {
    refuse(
      'key-sealed',
      "The device key is sealed by the desktop app with the operating system's secret storage, which this command cannot open.",
      'Use the SLR Desk app for this product instance.',
    );
  }
  return record.value;
}

export const plainKeySealer: KeySealer = {
  seal: async (value) => ({ format: 'pkcs8-pem', value }),
  unseal: async (record) => plainKey(record),
  unsealSync: plainKey,
};
