/** The ledger's operations: keys. */
import { assertSaneTime, formatInstant } from '../../../shared/codes/dates.ts';
import { endorsementMessage, formatKeyFile, type ChainLink } from '../../../shared/codes/key-file.ts';
import { refuse } from '../../../shared/errors.ts';
import { nameKey, nameProblem } from '../../../shared/text.ts';
import { generateKeyPair, keyId, loadPublicKey } from '../../platform/crypto.ts';
import { protect, type Protection } from './key-storage.ts';
import { insertBackedUpKeys, type KeyBackup } from './key-escrow.ts';
import { smartAccount } from '../ledger/reports.ts';
import { isInitialized, requireInit } from '../ledger/lookups.ts';
import { signingKey } from '../ledger/signing.ts';
import { checkReason } from '../../../shared/authority/reason.ts';
import type { LedgerStore } from '../ledger/store.ts';

/**
 * Sets up the authority: the smart account, the virtual account "Default" and the first signing key (or the
 * keys of an escrow backup, `restore`). Keys are protected by the secret the ledger was opened with, if any.
 */
export async function init(c: LedgerStore, accountName: string, now: number, restore?: KeyBackup): Promise<{ keyId: string; protection: Protection }> {
  const name = accountName.replace(/^ +| +$/g, '');
  const problem = nameProblem(name, 200);
  if (problem)
    refuse('bad-name', `The smart account's name is not acceptable: ${problem}.`, 'A name is 1 to 200 letters, digits, punctuation, symbols or spaces.');
  if (restore && restore.smartAccount !== name)
    refuse('key-mismatch', `The key backup holds the keys of "${restore.smartAccount}", not of "${name}".`, `Give --account "${restore.smartAccount}".`);
  return c.write(now, async () => {
    if (await isInitialized(c))
      refuse('authority-exists', `The license authority for "${await smartAccount(c)}" is already set up here.`, 'Use another --home for another authority.');
    await c.run("INSERT INTO meta (key, value) VALUES ('smart_account', ?)", name);
    if (c.keySecret) {
      const { record, storage } = protect(c.keySecret);
      await c.setProtection(record, storage);
    }
    const id = restore ? (await insertBackedUpKeys(c, restore.keys), (await signingKey(c)).id) : await insertKey(c, now);
    await c.run('INSERT INTO accounts (name, name_key, created_at) VALUES (?, ?, ?)', 'Default', nameKey('Default'), now);
    const how = restore
      ? `signing keys restored from a backup made ${formatInstant(restore.madeAt)} (${restore.keys.length}); signing key ${id}`
      : `signing key ${id}`;
    await c.log(now, 'init', `Smart account "${name}" created with virtual account "Default"; ${how}.`, { account: 'Default' });
    return { keyId: id, protection: (await c.keyStorage()).protection };
  });
}

export async function addKey(c: LedgerStore, now: number): Promise<{ keyId: string; endorsedBy: string | null }> {
  await requireInit(c);
  return c.write(now, async () => {
    const id = await insertKey(c, now);
    const by = (await c.get<{ endorser_id: string }>('SELECT endorser_id FROM key_endorsements WHERE key_id = ?', id))?.endorser_id ?? null;
    await c.log(
      now,
      'key-add',
      `Signing key ${id} added${by ? `, endorsed by key ${by}` : ''}; new authorization codes are signed with it. Export it (slr authority key export) for devices to trust: devices that trust ${by ?? 'an older key'} accept the exported file.`,
    );
    return { keyId: id, endorsedBy: by };
  });
}

export async function retireKey(c: LedgerStore, id: string, now: number): Promise<void> {
  await requireInit(c);
  await c.write(now, async () => {
    const key = await c.get<{ retired_at: number | null }>('SELECT retired_at FROM signing_keys WHERE id = ?', id);
    if (!key) refuse('no-key', `No signing key has the id ${id}.`);
    if (key.retired_at !== null) refuse('already-retired', `Signing key ${id} is already retired.`);
    const others = (await c.get<{ n: number }>('SELECT count(*) AS n FROM signing_keys WHERE retired_at IS NULL AND id <> ?', id))!.n;
    if (others === 0) refuse('last-key', `Signing key ${id} is the only active key.`, 'Add a new key first with `slr authority key add`.');
    await c.run('UPDATE signing_keys SET retired_at = ? WHERE id = ?', now, id);
    await c.log(
      now,
      'key-retire',
      `Signing key ${id} retired: it signs no new code, and still checks the confirmation and return codes of the codes it signed.`,
    );
  });
}

export async function keys(c: LedgerStore): Promise<{ id: string; createdAt: number; retiredAt: number | null; active: boolean; endorsedBy: string | null }[]> {
  await requireInit(c);
  const current = (await signingKey(c)).id;
  return (
    await c.all<{ id: string; created_at: number; retired_at: number | null; endorser_id: string | null }>(
      'SELECT k.id, k.created_at, k.retired_at, e.endorser_id FROM signing_keys k LEFT JOIN key_endorsements e ON e.key_id = k.id ORDER BY k.created_at, k.rowid',
    )
  ).map((k) => ({ id: k.id, createdAt: k.created_at, retiredAt: k.retired_at, active: k.id === current, endorsedBy: k.endorser_id }));
}

/**
 * The public key devices trust (the active one, or `id`), as a key file with its chain of endorsements
 * back to the first key: a device provisioned with any key of the chain accepts it.
 */
export async function exportKey(c: LedgerStore, id?: string): Promise<{ id: string; pem: string; file: string }> {
  await requireInit(c);
  const wanted = id ?? (await signingKey(c)).id;
  const chain: (ChainLink & { id: string })[] = [];
  for (let at: string | null = wanted; at !== null;) {
    const row: { id: string; public_key: string; endorser_id: string | null; signature: Uint8Array | null } | undefined = await c.get(
      'SELECT k.id, k.public_key, e.endorser_id, e.signature FROM signing_keys k LEFT JOIN key_endorsements e ON e.key_id = k.id WHERE k.id = ?',
      at,
    );
    if (!row) refuse('no-key', `No signing key has the id ${at}.`);
    if (chain.some((l) => l.id === row.id)) throw new Error(`endorsement cycle at key ${row.id}`);
    loadPublicKey(row.public_key);
    chain.unshift({ id: row.id, publicKey: row.public_key, endorsement: row.signature ? new Uint8Array(row.signature) : null });
    at = row.endorser_id;
  }
  const last = chain[chain.length - 1]!;
  const comment = `License Central signing key ${last.id} of "${await smartAccount(c)}"${
    chain.length > 1
      ? `, endorsed through ${chain
          .slice(0, -1)
          .map((l) => l.id)
          .join(' -> ')}`
      : ''
  }.\nTrust it on a device with: slr license trust add <this file>`;
  return { id: last.id, pem: last.publicKey, file: formatKeyFile(chain, comment) };
}

/**
 * Records that the public key file of `id` was handed out (the app's "Export public key…"): the devices can
 * only trust what they were given, so the log says when and where it went.
 */
export async function recordKeyExport(c: LedgerStore, id: string, where: string, now: number): Promise<void> {
  await requireInit(c);
  await c.write(now, async () => {
    if (!(await c.get('SELECT id FROM signing_keys WHERE id = ?', id))) refuse('no-key', `No signing key has the id ${id}.`);
    await c.log(now, 'key-export', `Public key file of signing key ${id} saved to ${where}, to carry to the devices.`);
  });
}

/** Accepts the current clock as the latest time seen, after a clock that ran ahead was put right. */
export async function acceptClock(c: LedgerStore, reason: string, now: number): Promise<{ from: number | null }> {
  await requireInit(c);
  assertSaneTime(now, 'The time');
  if (!reason.trim()) refuse('no-reason', 'Say why the clock is accepted (--reason "…"): it goes into the event log.');
  checkReason(reason);
  return c.transaction(async () => {
    const from = await c.highWater();
    await c.run("INSERT INTO meta (key, value) VALUES ('high_water', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", String(now));
    await c.log(
      now,
      'clock-accept',
      `The clock (${formatInstant(now)}) is accepted as the latest time seen, instead of ${from === null ? 'none' : formatInstant(from)}. Reason: ${reason.trim()}.`,
    );
    return { from };
  });
}

/** Makes a signing key; every key after the first is endorsed by the key that signs new codes until now. */
async function insertKey(c: LedgerStore, now: number): Promise<string> {
  const storage = await c.keyStorage();
  const endorser = await c.get<{ id: string; private_key: string }>(
    'SELECT id, private_key FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, rowid DESC LIMIT 1',
  );
  const pair = generateKeyPair();
  const id = keyId(pair.publicKey);
  await c.run(
    'INSERT INTO signing_keys (id, public_key, private_key, created_at) VALUES (?, ?, ?, ?)',
    id,
    pair.publicKey,
    storage.seal(id, pair.privateKey),
    now,
  );
  if (endorser) {
    await c.run(
      'INSERT INTO key_endorsements (key_id, endorser_id, signature) VALUES (?, ?, ?)',
      id,
      endorser.id,
      storage.open(endorser.id, endorser.private_key).sign(endorsementMessage(pair.publicKey)),
    );
  }
  return id;
}
