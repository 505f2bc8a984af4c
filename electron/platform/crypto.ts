/**
 * All cryptography, with node:crypto only: P-256 key pairs, ECDSA/SHA-256 DER signatures for authorization
 * codes, and the ECDH-derived MAC behind confirmation and return codes. Implements the ports of shared/ports.ts.
 */
import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import type { AuthorityCrypto, CryptoBasics, DeviceCrypto } from '../../shared/ports.ts';

const CURVE = 'prime256v1';
/** DER prefix of a SubjectPublicKeyInfo holding a compressed P-256 point (id-ecPublicKey, prime256v1). */
const SPKI_COMPRESSED_PREFIX = Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex');
const HKDF_SALT = Buffer.from('slr-desk/mac/v1');

export interface KeyPairPem {
  readonly publicKey: string;
  readonly privateKey: string;
}

export function generateKeyPair(): KeyPairPem {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: CURVE });
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Parses a PEM public key and checks that it is a P-256 EC key. */
export function loadPublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== CURVE) {
    throw new Error('not a P-256 (prime256v1) EC public key');
  }
  return key;
}

export function compressedPublicKey(pem: string): Uint8Array {
  const jwk = loadPublicKey(pem).export({ format: 'jwk' });
  const x = Buffer.from(jwk.x!, 'base64url');
  const y = Buffer.from(jwk.y!, 'base64url');
  return new Uint8Array(Buffer.concat([Buffer.from([2 + (y[y.length - 1]! & 1)]), x]));
}

export function publicKeyFromCompressed(point: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_COMPRESSED_PREFIX, point]), format: 'der', type: 'spki' });
}

/** True when `signature` (ECDSA P-256 / SHA-256, DER) over `message` verifies with a device's compressed public key. */
export function verifyDeviceSignature(point: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify('sha256', message, { key: publicKeyFromCompressed(point), dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}

/** First 16 hex digits of the SHA-256 of the DER SubjectPublicKeyInfo: the id shown for a key. */
export function keyId(publicKeyPem: string): string {
  const der = loadPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

export function signMessage(privateKeyPem: string, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign('sha256', message, { key: privateKeyPem, dsaEncoding: 'der' }));
}

export function verifyMessage(publicKeyPem: string, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify('sha256', message, { key: publicKeyPem, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}

/** The operations of one private key: an ECDSA (P-256, SHA-256, DER) signature and the ECDH secret with a peer. */
export interface PrivateKeyOps {
  sign(message: Uint8Array): Uint8Array;
  ecdh(peer: KeyObject): Uint8Array;
}

export function privateKeyOps(privateKeyPem: string): PrivateKeyOps {
  const key = createPrivateKey(privateKeyPem);
  return {
    sign: (message) => new Uint8Array(sign('sha256', message, { key, dsaEncoding: 'der' })),
    ecdh: (peer) => new Uint8Array(diffieHellman({ privateKey: key, publicKey: peer })),
  };
}

/** HMAC-SHA-256 under HKDF-SHA-256 of the P-256 ECDH secret of the two keys. */
function ecdhMac(key: PrivateKeyOps, publicKey: KeyObject, message: Uint8Array): Uint8Array {
  const macKey = Buffer.from(hkdfSync('sha256', key.ecdh(publicKey), HKDF_SALT, 'confirmation and return codes', 32));
  return new Uint8Array(createHmac('sha256', macKey).update(message).digest());
}

/** Hashing and randomness, for both sides. */
export const cryptoBasics: CryptoBasics = {
  sha256: (data) => new Uint8Array(createHash('sha256').update(data).digest()),
  randomBytes: (n) => new Uint8Array(randomBytes(n)),
};

/** What a device can do without its private key: verify signatures, hash, draw nonces. */
export const verifyingCrypto: DeviceCrypto = {
  ...cryptoBasics,
  verify: verifyMessage,
  mac: () => {
    throw new Error('this command does not use the device key');
  },
  sign: () => {
    throw new Error('this command does not use the device key');
  },
};

export function deviceCrypto(devicePrivateKeyPem: string): DeviceCrypto {
  const privateKey = privateKeyOps(devicePrivateKeyPem);
  return {
    ...cryptoBasics,
    verify: verifyMessage,
    mac: (authorityPublicKey, message) => ecdhMac(privateKey, loadPublicKey(authorityPublicKey), message),
    sign: (message) => privateKey.sign(message),
  };
}

/** The authority's crypto port over its signing keys' operations (from their KeyStorage). */
export function authorityCrypto(keyById: (keyId: string) => PrivateKeyOps): AuthorityCrypto {
  return {
    ...cryptoBasics,
    sign: (id, message) => keyById(id).sign(message),
    mac: (id, devicePublicKey, message) => ecdhMac(keyById(id), publicKeyFromCompressed(devicePublicKey), message),
  };
}
