/**
 * Where the authority's private signing keys are kept, behind one interface: the ledger stores, for each key,
 * only what its `KeyStorage` returns (`stored`), and asks the storage for the key's operations when it signs
 * or checks a device's code. Three storages exist:
 *
 * - `plaintext`: PEM in the ledger (ledgers made before keys were protected, and `init` without a passphrase);
 * - `passphrase`: AES-256-GCM under a key derived from the operator's passphrase with scrypt (CLI and server);
 * - `os-store`: AES-256-GCM under a random key that the operating system's secret store seals (the app).
 *
 * A hardware module (PKCS#11) would be a fourth: `stored` would be the module's key handle, `open` would
 * sign and derive inside the module, and `exportPem` would refuse (its keys are backed up by the module).
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { refuse } from '../../../shared/errors.ts';
import { privateKeyOps, type PrivateKeyOps } from '../../platform/crypto.ts';

export type Protection = 'plaintext' | 'passphrase' | 'os-store';

/** What unlocks sealed keys: the operator's passphrase, or the key the OS secret store gave the app. */
export type KeySecret = { readonly kind: 'passphrase'; readonly passphrase: string } | { readonly kind: 'os-store'; readonly key: Uint8Array };

export interface KeyStorage {
  readonly protection: Protection;
  /** What the ledger keeps for the private key `pem` of key `id`. */
  seal(id: string, pem: string): string;
  /** The operations of the key the ledger keeps as `stored`. */
  open(id: string, stored: string): PrivateKeyOps;
  /** The private key as PEM (for an escrow backup or a change of protection). */
  exportPem(id: string, stored: string): string;
}

/** How a ledger's keys are protected: kept in its meta table as `key_protection` (absent: plaintext). */
export interface ProtectionRecord {
  readonly scheme: 'passphrase' | 'os-store';
  /** scrypt's salt (base64) and cost, for a passphrase. */
  readonly salt?: string;
  readonly cost?: number;
  /** A known text sealed under the key: tells a wrong passphrase from a damaged key at once. */
  readonly check: string;
}

const SEALED = 'sealed:v1:';
const CHECK_TEXT = 'SLR Desk signing keys';
/** scrypt cost N (2^15: about 0.1 s and 32 MiB here, once per command). */
export const SCRYPT_COST = 32_768;

export const plaintextStorage: KeyStorage = {
  protection: 'plaintext',
  seal: (_id, pem) => pem,
  open: (id, stored) => privateKeyOps(plaintextPem(id, stored)),
  exportPem: (id, stored) => plaintextPem(id, stored),
};

function plaintextPem(id: string, stored: string): string {
  if (stored.startsWith(SEALED))
    refuse(
      'keys-locked',
      `Signing key ${id} is encrypted, but the ledger does not say how.`,
      'Restore the signing keys from a key backup (slr authority key restore).',
    );
  return stored;
}

/** AES-256-GCM of `text` under `key`, bound to `label` (the key id), as `sealed:v1:iv:tag:ciphertext`. */
export function sealText(key: Uint8Array, label: string, text: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(label));
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return `${SEALED}${[iv, cipher.getAuthTag(), body].map((b) => b.toString('base64')).join(':')}`;
}

/** The text `sealText` sealed, or null when the key (or the label) is not the one it was sealed with. */
export function openText(key: Uint8Array, label: string, sealed: string): string | null {
  if (!sealed.startsWith(SEALED)) return null;
  const [iv, tag, body] = sealed
    .slice(SEALED.length)
    .split(':')
    .map((p) => Buffer.from(p, 'base64'));
  if (!iv || !tag || !body || iv.length !== 12 || tag.length !== 16) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(label)).setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

export function derivePassphraseKey(passphrase: string, salt: Uint8Array, cost = SCRYPT_COST): Uint8Array {
  return new Uint8Array(scryptSync(passphrase.normalize('NFC'), salt, 32, { N: cost, r: 8, p: 1, maxmem: 256 * cost * 8 + 1024 * 1024 }));
}

/** A sealing storage under `key` (32 bytes). */
export function sealedStorage(protection: 'passphrase' | 'os-store', key: Uint8Array): KeyStorage {
  const pemOf = (id: string, stored: string) => {
    const pem = openText(key, `signing key ${id}`, stored);
    if (pem === null)
      refuse(
        'key-damaged',
        `Signing key ${id} cannot be decrypted: it was changed or damaged in the ledger.`,
        'Restore it from a key backup (slr authority key restore).',
      );
    return pem;
  };
  return {
    protection,
    seal: (id, pem) => sealText(key, `signing key ${id}`, pem),
    open: (id, stored) => privateKeyOps(pemOf(id, stored)),
    exportPem: pemOf,
  };
}

/** A new protection record (and its storage) for `secret`. */
export function protect(secret: KeySecret): { record: ProtectionRecord; storage: KeyStorage } {
  if (secret.kind === 'os-store') {
    return { record: { scheme: 'os-store', check: sealText(secret.key, 'check', CHECK_TEXT) }, storage: sealedStorage('os-store', secret.key) };
  }
  const salt = randomBytes(16);
  const key = derivePassphraseKey(checkPassphrase(secret.passphrase), salt);
  return {
    record: { scheme: 'passphrase', salt: salt.toString('base64'), cost: SCRYPT_COST, check: sealText(key, 'check', CHECK_TEXT) },
    storage: sealedStorage('passphrase', key),
  };
}

const HOW: Record<ProtectionRecord['scheme'], string> = {
  passphrase: 'Give the passphrase: `--passphrase-file FILE` (a file holding it, readable by you alone).',
  'os-store': "They are sealed by the app's OS secret store: use SLR Desk's app on that computer for what signs or checks codes.",
};

/** The storage of a ledger protected as `record`, unlocked with `secret`; a clear refusal when it cannot be. */
export function unlock(record: ProtectionRecord | null, secret: KeySecret | undefined): KeyStorage {
  if (record === null) return plaintextStorage;
  if (!secret || secret.kind !== record.scheme)
    refuse(
      'keys-locked',
      `The signing keys of this license authority are encrypted (${record.scheme === 'os-store' ? 'OS secret store' : 'passphrase'}).`,
      HOW[record.scheme],
    );
  const key =
    secret.kind === 'os-store' ? secret.key : derivePassphraseKey(secret.passphrase, Buffer.from(record.salt ?? '', 'base64'), record.cost ?? SCRYPT_COST);
  if (openText(key, 'check', record.check) !== CHECK_TEXT)
    refuse(
      secret.kind === 'passphrase' ? 'wrong-passphrase' : 'keys-locked',
      secret.kind === 'passphrase' ? 'The passphrase does not unlock the signing keys.' : "The OS secret store's key does not unlock the signing keys.",
      secret.kind === 'passphrase' ? 'Check the passphrase file (the whole first line is the passphrase).' : HOW['os-store'],
    );
  return sealedStorage(record.scheme, key);
}

/** A passphrase long enough to resist guessing once the ledger is copied. */
export function checkPassphrase(passphrase: string): string {
  if ([...passphrase].length < 12)
    refuse('weak-passphrase', 'The passphrase must have at least 12 characters.', 'Choose a longer passphrase (several words work well).');
  return passphrase;
}
