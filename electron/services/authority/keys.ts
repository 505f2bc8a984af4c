/** The ledger's operations: keys. */
import { assertSaneTime, formatInstant } from '../../../shared/codes/dates.ts';
import { endorsementMessage, formatKeyFile, type ChainLink } from '../../../shared/codes/key-file.ts';
import { refuse } from '../../../shared/errors.ts';
import { generateKeyPair, keyId, loadPublicKey, signMessage } from '../crypto.ts';
import { LedgerCore } from './core.ts';
import { smartAccount } from './reports.ts';

export function init(c: LedgerCore, accountName: string, now: number): { keyId: string } {
  const name = accountName.trim();
  if (!name || name.length > 200) refuse('bad-name', 'The smart account needs a name of 1 to 200 characters.');
  return c.write(now, () => {
    if (c.isInitialized())
      refuse('authority-exists', `The license authority for "${smartAccount(c)}" is already set up here.`, 'Use another --home for another authority.');
    c.run("INSERT INTO meta (key, value) VALUES ('smart_account', ?)", name);
    const id = insertKey(c, now);
    c.run('INSERT INTO accounts (name, created_at) VALUES (?, ?)', 'Default', now);
    c.log(now, 'init', `Smart account "${name}" created with virtual account "Default"; signing key ${id}.`, { account: 'Default' });
    return { keyId: id };
  });
}

export function addKey(c: LedgerCore, now: number): { keyId: string; endorsedBy: string | null } {
  c.requireInit();
  return c.write(now, () => {
    const id = insertKey(c, now);
    const by = c.get<{ endorser_id: string }>('SELECT endorser_id FROM key_endorsements WHERE key_id = ?', id)?.endorser_id ?? null;
    c.log(
      now,
      'key-add',
      `Signing key ${id} added${by ? `, endorsed by key ${by}` : ''}; new authorization codes are signed with it. Export it (slr authority key export) for devices to trust: devices that trust ${by ?? 'an older key'} accept the exported file.`,
    );
    return { keyId: id, endorsedBy: by };
  });
}

export function retireKey(c: LedgerCore, id: string, now: number): void {
  c.requireInit();
  c.write(now, () => {
    const key = c.get<{ retired_at: number | null }>('SELECT retired_at FROM signing_keys WHERE id = ?', id);
    if (!key) refuse('no-key', `No signing key has the id ${id}.`);
    if (key.retired_at !== null) refuse('already-retired', `Signing key ${id} is already retired.`);
    const others = c.get<{ n: number }>('SELECT count(*) AS n FROM signing_keys WHERE retired_at IS NULL AND id <> ?', id)!.n;
    if (others === 0) refuse('last-key', `Signing key ${id} is the only active key.`, 'Add a new key first with `slr authority key add`.');
    c.run('UPDATE signing_keys SET retired_at = ? WHERE id = ?', now, id);
    c.log(now, 'key-retire', `Signing key ${id} retired: it signs no new code, and still checks the confirmation and return codes of the codes it signed.`);
  });
}

export function keys(c: LedgerCore): { id: string; createdAt: number; retiredAt: number | null; active: boolean; endorsedBy: string | null }[] {
  c.requireInit();
  const current = c.signingKey().id;
  return c
    .all<{ id: string; created_at: number; retired_at: number | null; endorser_id: string | null }>(
      'SELECT k.id, k.created_at, k.retired_at, e.endorser_id FROM signing_keys k LEFT JOIN key_endorsements e ON e.key_id = k.id ORDER BY k.created_at, k.rowid',
    )
    .map((k) => ({ id: k.id, createdAt: k.created_at, retiredAt: k.retired_at, active: k.id === current, endorsedBy: k.endorser_id }));
}

/**
 * The public key devices trust (the active one, or `id`), as a key file with its chain of endorsements
 * back to the first key: a device provisioned with any key of the chain accepts it.
 */
export function exportKey(c: LedgerCore, id?: string): { id: string; pem: string; file: string } {
  c.requireInit();
  const wanted = id ?? c.signingKey().id;
  const chain: (ChainLink & { id: string })[] = [];
  for (let at: string | null = wanted; at !== null;) {
    const row: { id: string; public_key: string; endorser_id: string | null; signature: Uint8Array | null } | undefined = c.get(
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
  const comment = `License Central signing key ${last.id} of "${smartAccount(c)}"${
    chain.length > 1
      ? `, endorsed through ${chain
          .slice(0, -1)
          .map((l) => l.id)
          .join(' -> ')}`
      : ''
  }.\nTrust it on a device with: slr license trust add <this file>`;
  return { id: last.id, pem: last.publicKey, file: formatKeyFile(chain, comment) };
}

/** Accepts the current clock as the latest time seen, after a clock that ran ahead was put right. */
export function acceptClock(c: LedgerCore, reason: string, now: number): { from: number | null } {
  c.requireInit();
  assertSaneTime(now, 'The time');
  if (!reason.trim()) refuse('no-reason', 'Say why the clock is accepted (--reason "…"): it goes into the event log.');
  return c.transaction(() => {
    const from = c.highWater();
    c.run("INSERT INTO meta (key, value) VALUES ('high_water', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", String(now));
    c.log(
      now,
      'clock-accept',
      `The clock (${formatInstant(now)}) is accepted as the latest time seen, instead of ${from === null ? 'none' : formatInstant(from)}. Reason: ${reason.trim()}.`,
    );
    return { from };
  });
}

/** Makes a signing key; every key after the first is endorsed by the key that signs new codes until now. */
function insertKey(c: LedgerCore, now: number): string {
  const endorser = c.get<{ id: string; private_key: string }>(
    'SELECT id, private_key FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, rowid DESC LIMIT 1',
  );
  const pair = generateKeyPair();
  const id = keyId(pair.publicKey);
  c.run('INSERT INTO signing_keys (id, public_key, private_key, created_at) VALUES (?, ?, ?, ?)', id, pair.publicKey, pair.privateKey, now);
  if (endorser) {
    c.run(
      'INSERT INTO key_endorsements (key_id, endorser_id, signature) VALUES (?, ?, ?)',
      id,
      endorser.id,
      signMessage(endorser.private_key, endorsementMessage(pair.publicKey)),
    );
  }
  return id;
}
