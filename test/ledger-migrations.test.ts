// A ledger written by the first version (schema 1) opens in this one: its keys are endorsed in order, its
// events chained, conservation enforced from then on, and what it held is unchanged.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { MIGRATIONS, LEDGER_VERSION } from '../electron/authority/db/sqlite/schema.ts';
import { openLedger } from '../electron/authority/ledger.ts';
import { generateKeyPair, keyId, loadPublicKey, verifyMessage } from '../electron/platform/crypto.ts';
import { parseKeyFile, endorsementMessage } from '../shared/codes/key-file.ts';
import { keysToTrust } from '../shared/instance/trust.ts';
import { checkInvariants, rawDb } from './helpers/ledger-audit.ts';

const T = Date.UTC(2026, 0, 10);

function schema1Ledger(dir: string) {
  const db = new DatabaseSync(join(dir, 'authority.sqlite'));
  db.exec(MIGRATIONS[0]!);
  db.exec('PRAGMA user_version = 1');
  const [first, second] = [generateKeyPair(), generateKeyPair()];
  db.prepare("INSERT INTO meta (key, value) VALUES ('smart_account', 'Old')").run();
  for (const [i, k] of [first, second].entries()) {
    db.prepare('INSERT INTO signing_keys (id, public_key, private_key, created_at) VALUES (?, ?, ?, ?)').run(
      keyId(k.publicKey),
      k.publicKey,
      k.privateKey,
      T + i,
    );
  }
  db.prepare("INSERT INTO accounts (name, created_at) VALUES ('Default', ?)").run(T);
  db.prepare("INSERT INTO lots (account_id, tag, type, count, blocked) VALUES (1, 'regid.x.UCM_Basic', 'PERPETUAL', 10, 3)").run();
  db.prepare(
    "INSERT INTO instances (account_id, product, uuid, sn, device_key, piid, state, created_at, last_contact, last_timestamp) VALUES (1, 'UCM', 'e53fc968-0253-4d61-a355-ba908a6cc920', 'cc920', x'02', '11111111-2222-3333-4444-555555555555', 'active', ?, ?, ?)",
  ).run(T, T, T);
  db.prepare('INSERT INTO holdings (instance_id, lot_id, count) VALUES (1, 1, 3)').run();
  for (const [i, type] of ['init', 'license-add', 'reserve'].entries()) {
    db.prepare("INSERT INTO events (at, actor, type, message) VALUES (?, 'old', ?, ?)").run(T + i, type, `event ${i}`);
  }
  db.close();
  return { first, second };
}

describe('ledger migrations', () => {
  it('bring a schema-1 ledger to this version: keys endorsed, events chained, conservation enforced, nothing lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slr-migrate-'));
    const { first, second } = schema1Ledger(dir);
    const ledger = await openLedger({ dir, actor: 'test' });
    try {
      const db = rawDb(ledger);
      expect((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version).toBe(LEDGER_VERSION);
      // What it held is unchanged and sound.
      expect(db.prepare('SELECT count, blocked FROM lots').get()).toEqual({ count: 10, blocked: 3 });
      expect((await checkInvariants(ledger)).filter((p) => !/latest code|no authorization code/.test(p))).toEqual([]);
      // Schema 17: each account's count of active instances, counted from what was there.
      expect(db.prepare('SELECT account_id, active FROM instance_counts').all()).toEqual([{ account_id: 1, active: 1 }]);
      expect((await ledger.instancePage({ limit: 1 })).total).toBe(1);
      // The second key is endorsed by the first: a device provisioned with the first accepts the exported file.
      const exported = await ledger.exportKey(keyId(second.publicKey));
      const chain = parseKeyFile(exported.file);
      expect(chain).toHaveLength(2);
      expect(verifyMessage(first.publicKey, endorsementMessage(chain[1]!.publicKey), chain[1]!.endorsement!)).toBe(true);
      const pem = (text: string) => loadPublicKey(text).export({ type: 'spki', format: 'pem' }).toString();
      const offered = chain.map((l) => ({ id: keyId(l.publicKey), publicKey: pem(l.publicKey), endorsement: l.endorsement }));
      const trusted = [{ id: keyId(first.publicKey), publicKey: pem(first.publicKey), label: 'first', addedAt: T }];
      expect(keysToTrust(trusted, offered, { verify: verifyMessage }).map((k) => k.id)).toEqual([keyId(second.publicKey)]);
      // The old events are chained, and a new one follows them.
      await ledger.addAccount('Lab', T + 10);
      expect(await ledger.verifyEvents()).toEqual({ count: 4, broken: null, sealProblem: null });
      // Conservation is the database's from now on.
      expect(() => db.exec('UPDATE lots SET blocked = 4')).toThrow(/conservation/);
      // The clock's high-water mark is the latest event's time.
      expect(await ledger.highWater()).toBe(T + 10);
    } finally {
      await ledger.close();
    }
  });
});
