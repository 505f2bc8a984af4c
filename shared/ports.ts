/**
 * What the pure engine needs from cryptography, as interfaces. The Node side implements them with
 * node:crypto (electron/platform/crypto.ts); shared/ never imports a crypto library.
 */

/** What both sides need: a hash, and fresh randomness. */
export interface CryptoBasics {
  /** SHA-256 of `data`. */
  sha256(data: Uint8Array): Uint8Array;
  /** `n` bytes from a cryptographically strong source. */
  randomBytes(n: number): Uint8Array;
}

export interface DeviceCrypto extends CryptoBasics {
  /** True when `signature` (ECDSA P-256 / SHA-256, DER) over `message` verifies with the PEM `publicKey`. */
  verify(publicKey: string, message: Uint8Array, signature: Uint8Array): boolean;
  /**
   * HMAC-SHA-256 over `message` under a key only this device and the holder of the authority key
   * `authorityPublicKey` (PEM) can derive: HKDF-SHA-256 of their P-256 ECDH secret.
   */
  mac(authorityPublicKey: string, message: Uint8Array): Uint8Array;
  /** ECDSA P-256 / SHA-256 signature, DER, with the device key (an offline usage report: shared/codes/usage-report.ts). */
  sign(message: Uint8Array): Uint8Array;
}

export interface AuthorityCrypto extends CryptoBasics {
  /** ECDSA P-256 / SHA-256 signature, DER, with the authority key `keyId`. */
  sign(keyId: string, message: Uint8Array): Uint8Array;
  /** The same MAC as DeviceCrypto.mac, from the authority key `keyId` and the device's compressed public key. */
  mac(keyId: string, devicePublicKey: Uint8Array, message: Uint8Array): Uint8Array;
}
