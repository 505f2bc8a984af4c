// A stand-in for Electron's safeStorage in Node tests and the browser harness (the real one needs Electron).
import type { SafeStorageLike } from '../../electron/platform/os-sealer.ts';

/** A safeStorage that seals with a key of its own ("keyring"), which a test may reset, rotate or break. */
export function fakeStore(over: Partial<SafeStorageLike> & { backend?: string } = {}) {
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
