/**
 * Fills a ledger with synthetic active product instances in one transaction (a background population for
 * the benchmark and the at-scale tests; the operations under test go through the ledger as usual). Each
 * holds 1 UCM_Enhanced; they are spread over `accounts` in turn; every 97th is locked and every 101st has one
 * more in transition. Serial numbers and UUIDs are random; `prefix` starts every UUID (to find them again).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { findEntitlement, productById } from '../../shared/catalog.ts';
import type { Ledger } from '../../electron/services/authority/ledger.ts';
import { rawDb } from './ledger-audit.ts';

export async function populate(ledger: Ledger, count: number, { accounts = ['Default'], at = Date.UTC(2026, 0, 1) } = {}): Promise<void> {
  const key = (await ledger.keys())[0]!.id;
  const tag = findEntitlement(productById('UCM')!, 'UCM_Enhanced')!.tag;
  await ledger.core.transaction(async () => {
    const db = rawDb(ledger);
    const accountIds = accounts.map((name) => {
      db.prepare('INSERT INTO accounts (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(name, at);
      return (db.prepare('SELECT id FROM accounts WHERE name = ?').get(name) as { id: number }).id;
    });
    const lots = accountIds.map((id) =>
      Number(db.prepare("INSERT INTO lots (account_id, tag, type, count) VALUES (?, ?, 'PERPETUAL', ?)").run(id, tag, 2 * count).lastInsertRowid),
    );
    const inst = db.prepare(
      "INSERT INTO instances (account_id, product, uuid, sn, device_key, piid, state, created_at, last_contact, last_timestamp, locked) VALUES (?, 'UCM', ?, ?, ?, ?, 'active', ?, ?, ?, ?)",
    );
    const hold = db.prepare('INSERT INTO holdings (instance_id, lot_id, count) VALUES (?, ?, 1)');
    const transition = db.prepare('INSERT INTO transitions (instance_id, lot_id, count, code_timestamp) VALUES (?, ?, 1, ?)');
    const code = db.prepare("INSERT INTO codes (instance_id, timestamp, key_id, code, issued_at) VALUES (?, ?, ?, '<specificPLR/>', ?)");
    for (let i = 0; i < count; i++) {
      const uuid = randomUUID();
      const a = i % accountIds.length;
      const contact = at + i * 1000;
      const id = Number(inst.run(accountIds[a]!, uuid, uuid.slice(-5), randomBytes(33), randomUUID(), at, contact, at, i % 97 === 96 ? 1 : 0).lastInsertRowid);
      hold.run(id, lots[a]!);
      if (i % 101 === 100) transition.run(id, lots[a]!, at);
      code.run(id, at, key, at);
    }
  });
}
