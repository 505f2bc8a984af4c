/**
 * The signing keys alone, for escrow: `key backup` writes them encrypted under a passphrase (scrypt, then
 * AES-256-GCM), `key restore` (or `init --restore-keys`) brings them back into a ledger, under its own
 * protection; `key protect` changes that protection. A backup is checked whole before anything is written:
 * every key's id is its public key's, every private key matches its public key, every endorsement verifies.
 */
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { endorsementMessage } from '../../../shared/codes/key-file.ts';
import { formatInstant } from '../../../shared/codes/dates.ts';
import { refuse } from '../../../shared/errors.ts';
import { keyId, loadPublicKey, verifyMessage } from '../../platform/crypto.ts';
import { checkPassphrase, derivePassphraseKey, openText, protect, sealText, SCRYPT_COST, type KeySecret, type Protection } from './key-storage.ts';
import { smartAccount } from '../ledger/reports.ts';
import { requireInit } from '../ledger/lookups.ts';
import type { LedgerStore } from '../ledger/store.ts';

export interface BackedUpKey {
  readonly id: string;
  readonly publicKey: string;
  readonly privateKey: string;
  readonly createdAt: number;
  readonly retiredAt: number | null;
  readonly endorsedBy: string | null;
  /** The endorser's signature (base64), or null for the first key. */
  readonly endorsement: string | null;
}

export interface KeyBackup {
  readonly smartAccount: string;
  readonly madeAt: number;
  readonly keys: readonly BackedUpKey[];
}

const FORMAT = 'slr-desk-key-backup';
const LABEL = 'key backup';

/** The backup file: JSON, its keys sealed under the passphrase; the rest says what it is. */
export function formatKeyBackup(backup: KeyBackup, passphrase: string): string {
  const salt = randomBytes(16);
  const key = derivePassphraseKey(checkPassphrase(passphrase), salt);
  const file = {
    format: FORMAT,
    version: 1,
    about: `The signing keys of License Central "${backup.smartAccount}", encrypted with a passphrase. Restore with: slr authority key restore FILE --passphrase-file F`,
    smartAccount: backup.smartAccount,
    madeAt: new Date(backup.madeAt).toISOString(),
    keyIds: backup.keys.map((k) => k.id),
    kdf: { name: 'scrypt', salt: salt.toString('base64'), N: SCRYPT_COST, r: 8, p: 1 },
    keys: sealText(key, LABEL, JSON.stringify(backup.keys)),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

function invalid(why: string): never {
  return refuse('key-backup-invalid', `This is not a usable SLR Desk key backup: ${why}.`, 'Give the file `slr authority key backup` wrote.');
}

/** Reads and checks a key backup; refuses a wrong passphrase, a changed file, or keys that do not hold together. */
export function parseKeyBackup(text: string, passphrase: string): KeyBackup {
  let file: Record<string, unknown>;
  try {
    file = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return invalid('it is not JSON');
  }
  if (typeof file !== 'object' || file === null || file.format !== FORMAT) invalid('it does not say it is one');
  if (file.version !== 1) invalid(`its version (${String(file.version)}) is not 1; a newer SLR Desk may read it`);
  const kdf = file.kdf as { salt?: unknown; N?: unknown } | undefined;
  const cost = kdf?.N;
  if (typeof kdf?.salt !== 'string' || typeof cost !== 'number' || ![16_384, 32_768, 65_536, 131_072].includes(cost))
    invalid('its key derivation is not one SLR Desk uses');
  if (typeof file.keys !== 'string' || typeof file.smartAccount !== 'string' || typeof file.madeAt !== 'string') invalid('a part is missing');
  const json = openText(derivePassphraseKey(passphrase, Buffer.from(kdf.salt, 'base64'), cost), LABEL, file.keys);
  if (json === null)
    refuse(
      'wrong-passphrase',
      'The passphrase does not open this key backup (or the file was changed).',
      'Check the passphrase file: it must be the passphrase the backup was made with.',
    );
  const keys = JSON.parse(json) as BackedUpKey[];
  checkKeys(keys);
  return { smartAccount: file.smartAccount, madeAt: Date.parse(file.madeAt), keys };
}

function checkKeys(keys: readonly BackedUpKey[]): void {
  if (!Array.isArray(keys) || keys.length === 0) invalid('it holds no key');
  const byId = new Map(keys.map((k) => [k.id, k]));
  for (const k of keys) {
    try {
      loadPublicKey(k.publicKey);
      const derived = createPublicKey(createPrivateKey(k.privateKey)).export({ type: 'spki', format: 'pem' }).toString();
      if (keyId(k.publicKey) !== k.id || keyId(derived) !== k.id) invalid(`key ${k.id} is not the key its id names`);
    } catch (e) {
      if ((e as { code?: string }).code === 'key-backup-invalid') throw e;
      invalid(`key ${String(k.id)} cannot be read`);
    }
    const endorser = k.endorsedBy ? byId.get(k.endorsedBy) : undefined;
    if (endorser && !(k.endorsement && verifyMessage(endorser.publicKey, endorsementMessage(k.publicKey), Buffer.from(k.endorsement, 'base64'))))
      invalid(`the endorsement of key ${k.id} does not verify`);
  }
}

/** The ledger's signing keys, decrypted, with their endorsements: what a backup holds. */
export async function ledgerKeys(c: LedgerStore): Promise<BackedUpKey[]> {
  const storage = await c.keyStorage();
  const rows = await c.all<{
    id: string;
    public_key: string;
    private_key: string;
    created_at: number;
    retired_at: number | null;
    endorser_id: string | null;
    signature: Uint8Array | null;
  }>('SELECT k.*, e.endorser_id, e.signature FROM signing_keys k LEFT JOIN key_endorsements e ON e.key_id = k.id ORDER BY k.created_at, k.rowid');
  return rows.map((r) => ({
    id: r.id,
    publicKey: r.public_key,
    privateKey: storage.exportPem(r.id, r.private_key),
    createdAt: r.created_at,
    retiredAt: r.retired_at,
    endorsedBy: r.endorser_id,
    endorsement: r.signature ? Buffer.from(r.signature).toString('base64') : null,
  }));
}

/** `key backup`: the signing keys, encrypted under `passphrase`, as the text of the backup file (logged). */
export async function backupKeys(c: LedgerStore, passphrase: string, now: number): Promise<{ text: string; keyIds: string[] }> {
  await requireInit(c);
  return c.write(now, async () => {
    const keys = await ledgerKeys(c);
    const text = formatKeyBackup({ smartAccount: await smartAccount(c), madeAt: now, keys }, passphrase);
    await c.log(now, 'key-backup', `The signing keys (${keys.map((k) => k.id).join(', ')}) were written to an encrypted key backup.`);
    return { text, keyIds: keys.map((k) => k.id) };
  });
}

/** Puts the backup's keys into the ledger: those it lacks, and those whose stored private key is damaged. */
export async function insertBackedUpKeys(c: LedgerStore, keys: readonly BackedUpKey[]): Promise<{ added: string[]; repaired: string[] }> {
  const storage = await c.keyStorage();
  const added: string[] = [];
  const repaired: string[] = [];
  for (const k of keys) {
    const row = await c.get<{ public_key: string; private_key: string }>('SELECT public_key, private_key FROM signing_keys WHERE id = ?', k.id);
    if (!row) {
      await c.run(
        'INSERT INTO signing_keys (id, public_key, private_key, created_at, retired_at) VALUES (?, ?, ?, ?, ?)',
        k.id,
        k.publicKey,
        storage.seal(k.id, k.privateKey),
        k.createdAt,
        k.retiredAt,
      );
      added.push(k.id);
    } else if (!readable(() => storage.exportPem(k.id, row.private_key))) {
      await c.run('UPDATE signing_keys SET private_key = ? WHERE id = ?', storage.seal(k.id, k.privateKey), k.id);
      repaired.push(k.id);
    }
  }
  for (const k of keys) {
    if (k.endorsedBy && k.endorsement)
      await c.run(
        'INSERT INTO key_endorsements (key_id, endorser_id, signature) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
        k.id,
        k.endorsedBy,
        Buffer.from(k.endorsement, 'base64'),
      );
  }
  return { added, repaired };
}

function readable(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}

/** `key restore`: brings back the keys of a backup of this authority (logged). */
export async function restoreKeys(c: LedgerStore, backup: KeyBackup, now: number): Promise<{ added: string[]; repaired: string[]; present: string[] }> {
  await requireInit(c);
  const name = await smartAccount(c);
  if (backup.smartAccount !== name)
    refuse('key-mismatch', `The key backup holds the keys of "${backup.smartAccount}", not of "${name}".`, 'Restore it into that authority.');
  return c.write(now, async () => {
    const r = await insertBackedUpKeys(c, backup.keys);
    const present = backup.keys.map((k) => k.id).filter((id) => !r.added.includes(id) && !r.repaired.includes(id));
    await c.log(
      now,
      'key-restore',
      `Signing keys restored from a key backup made ${formatInstant(backup.madeAt)}: added ${r.added.join(', ') || 'none'}; repaired ${r.repaired.join(', ') || 'none'}; already here ${present.join(', ') || 'none'}.`,
    );
    return { ...r, present };
  });
}

/** `key protect`: reseals every signing key under `secret` (a new passphrase, or the OS store's key). */
export async function protectKeys(c: LedgerStore, secret: KeySecret, now: number): Promise<{ protection: Protection; keyIds: string[] }> {
  await requireInit(c);
  return c.write(now, async () => {
    const keys = await ledgerKeys(c);
    const { record, storage } = protect(secret);
    for (const k of keys) await c.run('UPDATE signing_keys SET private_key = ? WHERE id = ?', storage.seal(k.id, k.privateKey), k.id);
    await c.setProtection(record, storage);
    const how = record.scheme === 'passphrase' ? 'a passphrase' : "the app's OS secret store";
    await c.log(now, 'key-protect', `The signing keys (${keys.map((k) => k.id).join(', ')}) are now encrypted at rest under ${how}.`);
    return { protection: storage.protection, keyIds: keys.map((k) => k.id) };
  });
}
