/**
 * Fills a ledger with synthetic active product instances in one transaction (a background population for
 * the benchmark and the at-scale tests; the operations under test go through the ledger as usual), on either
 * engine: rows are written in batches through the ledger's database interface, with ids given here. Each
 * holds 1 UCM_Enhanced; they are spread over `accounts` in turn; every 97th is locked and every 101st has one
 * more in transition. Serial numbers and UUIDs are random.
 */
import { nameKey } from '../../shared/text.ts';
import { randomBytes, randomUUID } from 'node:crypto';
import { findEntitlement, productById } from '../../shared/catalog.ts';
import type { Ledger } from '../../electron/authority/ledger.ts';
import type { SqlValue } from '../../electron/authority/db/ledger-db.ts';
import { bulkLoad } from '../../electron/authority/db/bulk-load.ts';
import { blockedOfLot } from '../../electron/authority/db/lot-blocked.ts';

const BATCH = 500;

export async function populate(ledger: Ledger, count: number, { accounts = ['Default'], at = Date.UTC(2026, 0, 1) } = {}): Promise<void> {
  const key = (await ledger.keys())[0]!.id;
  const tag = findEntitlement(productById('UCM')!, 'UCM_Enhanced')!.tag;
  const db = ledger.store.db;
  await db.transaction(async () => {
    // A bulk load as `migrate` makes one (on PostgreSQL the triggers that keep shared rows set aside for it, what
    // they keep computed once after); the whole population is checked at the end.
    await bulkLoad(db, async () => {
      const accountIds: number[] = [];
      for (const name of accounts) {
        await db.run('INSERT INTO accounts (name, name_key, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING', name, nameKey(name), at);
        accountIds.push((await db.get<{ id: number }>('SELECT id FROM accounts WHERE name = ?', name))!.id);
      }
      const lots: number[] = [];
      for (const id of accountIds)
        lots.push((await db.run("INSERT INTO lots (account_id, tag, type, count) VALUES (?, ?, 'PERPETUAL', ?)", id, tag, 2 * count)).lastId);
      const first = ((await db.get<{ n: number | null }>('SELECT max(id) AS n FROM instances'))!.n ?? 0) + 1;
      /** One multi-row INSERT of `rows`, each a tuple of `columns` values. */
      const insert = async (table: string, columns: string, rows: SqlValue[][]) => {
        if (!rows.length) return;
        const one = `(${rows[0]!.map(() => '?').join(', ')})`;
        await db.run(`INSERT INTO ${table} (${columns}) VALUES ${rows.map(() => one).join(', ')}`, ...rows.flat());
      };
      for (let start = 0; start < count; start += BATCH) {
        const instances: SqlValue[][] = [];
        const holdings: SqlValue[][] = [];
        const transitions: SqlValue[][] = [];
        const codes: SqlValue[][] = [];
        for (let i = start; i < Math.min(count, start + BATCH); i++) {
          const id = first + i;
          const uuid = randomUUID();
          const a = i % accountIds.length;
          instances.push([
            id,
            accountIds[a]!,
            'UCM',
            uuid,
            uuid.slice(-5),
            randomBytes(33),
            randomUUID(),
            'active',
            at,
            at + i * 1000,
            at,
            i % 97 === 96 ? 1 : 0,
          ]);
          holdings.push([id, lots[a]!, 1]);
          if (i % 101 === 100) transitions.push([id, lots[a]!, 1, at]);
          codes.push([id, at, key, '<specificPLR/>', at]);
        }
        await insert('instances', 'id, account_id, product, uuid, sn, device_key, piid, state, created_at, last_contact, last_timestamp, locked', instances);
        await insert('holdings', 'instance_id, lot_id, count', holdings);
        await insert('transitions', 'instance_id, lot_id, count, code_timestamp', transitions);
        await insert('codes', 'instance_id, timestamp, key_id, code, issued_at', codes);
      }
      // PostgreSQL hands out ids from a sequence: past the ones given here.
      if (db.engine === 'postgres') await db.exec("SELECT setval(pg_get_serial_sequence('instances', 'id'), (SELECT max(id) FROM instances))");
    });
    const wrong = await db.all(`SELECT l.id FROM lots l WHERE l.blocked <> ${blockedOfLot('l')}`);
    if (wrong.length) throw new Error(`populate: lots ${JSON.stringify(wrong)} do not add up`);
  });
}
