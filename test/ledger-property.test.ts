// Long random sequences of operations, valid and invalid, against the ledger: after each, conservation
// holds (and everything kept in step recomputes to the same), and a refused operation changed nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Ledger, openLedger } from '../electron/authority/ledger.ts';
import { PgDb } from '../electron/authority/db/postgres/pg-db.ts';
import { SKIP_POSTGRES, startPostgres, type Postgres } from './helpers/postgres.ts';
import { isSlrError } from '../shared/errors.ts';
import { makeConfirmationCode, makeReturnCode } from '../shared/codes/device-codes.ts';
import { cryptoBasics } from '../electron/platform/crypto.ts';
import { days, makeDevice, type Device } from './helpers/world.ts';
import { checkInvariants, rawDb } from './helpers/ledger-audit.ts';
import { scratchDirs } from './helpers/scratch.ts';

const scratch = scratchDirs('slr-prop-');

const T = Date.UTC(2026, 0, 1);
const ACCOUNTS = ['Default', 'Default', 'Default', 'Lab', 'Lab', 'Nowhere'];
const TAGS = ['UCM_Basic', 'UCM_Enhanced', 'UCM_CUWL'];

const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
const op = fc.oneof(
  w(
    1,
    fc.record({
      kind: fc.constant('add' as const),
      account: fc.constantFrom(...ACCOUNTS),
      tag: fc.constantFrom(...TAGS),
      count: fc.integer({ min: 0, max: 6 }),
      term: fc.option(fc.tuple(fc.integer({ min: -40, max: 40 }), fc.integer({ min: -10, max: 80 }))),
    }),
  ),
  w(
    4,
    fc.record({
      kind: fc.constant('reserve' as const),
      device: fc.nat(3),
      account: fc.constantFrom(...ACCOUNTS),
      tag: fc.constantFrom(...TAGS),
      count: fc.integer({ min: 0, max: 7 }),
    }),
  ),
  w(3, fc.record({ kind: fc.constant('update' as const), device: fc.nat(3), tag: fc.constantFrom(...TAGS), count: fc.integer({ min: 0, max: 8 }) })),
  w(4, fc.record({ kind: fc.constant('install-confirm' as const), device: fc.nat(3), wrong: fc.constantFrom(false, false, false, true) })),
  w(2, fc.record({ kind: fc.constant('return-remove' as const), device: fc.nat(3), wrong: fc.constantFrom(false, false, false, true) })),
  w(1, fc.record({ kind: fc.constant('transfer' as const), device: fc.nat(3), to: fc.constantFrom(...ACCOUNTS) })),
  w(
    1,
    fc.record({
      kind: fc.constant('transfer-licenses' as const),
      from: fc.constantFrom(...ACCOUNTS),
      to: fc.constantFrom(...ACCOUNTS),
      tag: fc.constantFrom(...TAGS),
      count: fc.integer({ min: 0, max: 5 }),
    }),
  ),
  w(1, fc.record({ kind: fc.constant('rehost' as const), device: fc.nat(3) })),
  w(1, fc.record({ kind: fc.constant('unlock' as const), device: fc.nat(3) })),
  w(1, fc.record({ kind: fc.constant('time' as const), days: fc.integer({ min: 1, max: 30 }) })),
);

/** What a refused operation must leave untouched (the event log and wrong-code counters may change). */
async function snapshot(l: Ledger): Promise<string> {
  const q = async (sql: string) => JSON.stringify(await l.store.db.all(sql));
  return [
    await q('SELECT * FROM lots ORDER BY id'),
    await q('SELECT * FROM holdings ORDER BY instance_id, lot_id'),
    await q('SELECT * FROM transitions ORDER BY id'),
    await q('SELECT id, account_id, uuid, piid, state, last_timestamp FROM instances ORDER BY id'),
    await q('SELECT id, timestamp, code FROM codes ORDER BY id'),
    await q('SELECT * FROM accounts ORDER BY id'),
  ].join('\n');
}

async function conservation(l: Ledger, now: number): Promise<string[]> {
  const problems = await checkInvariants(l);
  for (const line of await l.licenses(now)) {
    if (line.reserved + line.inTransition + line.available !== line.purchased || line.available < 0 || line.reserved < 0 || line.inTransition < 0) {
      problems.push(`${line.account}/${line.short}: ${JSON.stringify(line)}`);
    }
  }
  return problems;
}

/** The ledgers the property runs on: the embedded SQLite, and PostgreSQL (a fresh database each run). */
const ENGINES: { name: string; runs: number; skip: boolean; open: () => Promise<Ledger> }[] = [
  { name: 'SQLite', runs: 60, skip: false, open: () => openLedger({ dir: scratch(), actor: 'test' }, true) },
  {
    name: 'PostgreSQL',
    runs: 25,
    skip: SKIP_POSTGRES,
    open: async () => Ledger.open(await PgDb.connect(await postgres!.database(), 2), 'test'),
  },
];
let postgres: Postgres | null = null;
beforeAll(async () => {
  if (!SKIP_POSTGRES) postgres = await startPostgres();
});
afterAll(async () => postgres?.stop());

describe.each(ENGINES)('the ledger under random operations ($name)', ({ name, runs, skip, open }) => {
  it.skipIf(skip)('keeps conservation at every step, and a refused operation changes nothing', async () => {
    let operations = 0;
    let refused = 0;
    const done = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 30, maxLength: 80 }), async (ops) => {
        const ledger = await open();
        try {
          let now = T;
          await ledger.init('Prop', now);
          await ledger.addAccount('Lab', now);
          for (const tag of TAGS) for (const account of ['Default', 'Lab']) await ledger.addLicenses({ account, tag, count: 6 }, now);
          const devices: (Device | null)[] = Array.from({ length: 6 }, () => null);
          const key = await ledger.exportKey();
          const fresh = () => makeDevice('UCM', now, [{ id: key.id, publicKey: key.pem }]);
          /** The device's own request code (it enables reservation and requests first when needed). */
          const request = (d: Device) => {
            if (!d.state.reservationEnabled) d.run({ type: 'enable' }, now);
            return d.run({ type: 'request' }, now).issued!.code;
          };
          const sn = (i: number) => devices[i]?.udi.sn ?? 'fffff';
          for (const o of ops) {
            operations++;
            const before = await snapshot(ledger);
            try {
              switch (o.kind) {
                case 'add':
                  await ledger.addLicenses(
                    {
                      account: o.account,
                      tag: o.tag,
                      count: o.count,
                      term: o.term ? { start: T + days(o.term[0]), end: T + days(o.term[0] + o.term[1]) } : undefined,
                    },
                    now,
                  );
                  break;
                case 'reserve': {
                  const d = devices[o.device] ?? fresh();
                  const r = await ledger.reserve({ account: o.account, request: request(d), licenses: { [o.tag]: o.count } }, now);
                  devices[o.device] = d;
                  d.run({ type: 'install', code: r.code }, now);
                  break;
                }
                case 'update':
                  await ledger.update({ instance: sn(o.device), licenses: { [o.tag]: o.count } }, now);
                  break;
                case 'install-confirm': {
                  const d = devices[o.device];
                  if (o.wrong || !d) {
                    await ledger.confirm({ instance: sn(o.device), code: makeConfirmationCode(cryptoBasics.randomBytes(32), { ran: 0, anchors: 0 }) }, now);
                    break;
                  }
                  const out = d.run({ type: 'install', code: (await ledger.latestCode(sn(o.device))).code }, now);
                  if (out.issued) await ledger.confirm({ instance: sn(o.device), code: out.issued.code }, now);
                  break;
                }
                case 'return-remove': {
                  const d = devices[o.device];
                  if (o.wrong || !d || d.state.registration !== 'Registered - Specific License Reservation') {
                    await ledger.remove(
                      {
                        instance: sn(o.device),
                        returnCode: makeReturnCode(d?.udi ?? devices.find((x) => x)?.udi ?? makeDevice().udi, cryptoBasics.randomBytes(32), {
                          ran: 0,
                          anchors: 0,
                        }),
                      },
                      now,
                    );
                    break;
                  }
                  const code = d.run({ type: 'return' }, now).issued!.code;
                  await ledger.remove({ instance: sn(o.device), returnCode: code }, now);
                  devices[o.device] = null;
                  break;
                }
                case 'transfer':
                  await ledger.transfer({ instance: sn(o.device), to: o.to }, now);
                  break;
                case 'transfer-licenses':
                  await ledger.transferLicenses({ from: o.from, to: o.to, tag: o.tag, count: o.count }, now);
                  break;
                case 'rehost': {
                  const replacement = fresh();
                  const r = await ledger.rehost({ instance: sn(o.device), request: request(replacement), reason: 'property test' }, now);
                  replacement.run({ type: 'install', code: r.code }, now);
                  devices[o.device] = replacement;
                  break;
                }
                case 'unlock':
                  await ledger.unlock({ instance: sn(o.device) }, now);
                  break;
                case 'time':
                  now += days(o.days);
                  break;
              }
              done.set(o.kind, (done.get(o.kind) ?? 0) + 1);
            } catch (e) {
              if (!isSlrError(e)) throw e;
              refused++;
              expect(await snapshot(ledger), `${o.kind} refused (${e.message}) but changed the ledger`).toBe(before);
            }
            expect(await conservation(ledger, now), `after ${JSON.stringify(o)}`).toEqual([]);
          }
        } finally {
          await ledger.close();
        }
      }),
      { numRuns: runs, seed: Number(process.env.SLR_MODEL_SEED ?? 20261130) },
    );
    expect(operations).toBeGreaterThan(runs * 6);
    expect(refused).toBeGreaterThan(runs);
    // Every kind of operation succeeded somewhere, so the sequences reach deep states.
    for (const kind of ['add', 'reserve', 'update', 'install-confirm', 'return-remove', 'transfer', 'transfer-licenses', 'rehost']) {
      expect(done.get(kind) ?? 0, kind).toBeGreaterThan(3);
    }
    console.log(`ledger property (${name}): ${operations} operations, ${refused} refused, done: ${JSON.stringify(Object.fromEntries(done))}`);
  });
});

/** A ledger with 5 UCM_Basic, 2 of them reserved for a device. */
async function reservedLedger(name: string, open = () => openLedger({ dir: scratch(), actor: 'test' }, true)) {
  const ledger = await open();
  {
    await ledger.init('Inv', T);
    await ledger.addLicenses({ account: 'Default', tag: 'UCM_Basic', count: 5 }, T);
    const key = await ledger.exportKey();
    const d = makeDevice('UCM', T, [{ id: key.id, publicKey: key.pem }]);
    d.run({ type: 'enable' }, T);
    await ledger.reserve({ account: 'Default', request: d.run({ type: 'request' }, T).issued!.code, licenses: { UCM_Basic: 2 } }, T);
    return ledger;
  }
}

describe.skipIf(SKIP_POSTGRES)('conservation on PostgreSQL', () => {
  it('is enforced by the database: a manual change that would break it is refused, at once or at the commit', async () => {
    const ledger = await reservedLedger('pg', async () => Ledger.open(await PgDb.connect(await postgres!.database(), 2), 'test'));
    const db = ledger.store.db;
    try {
      const lots = async () => JSON.stringify(await db.all('SELECT * FROM lots ORDER BY id'));
      const before = await lots();
      for (const tamper of [
        'UPDATE lots SET blocked = blocked - 1',
        'UPDATE lots SET blocked = blocked + 1',
        'UPDATE lots SET blocked = 0',
        "INSERT INTO lots (account_id, tag, type, count, blocked) VALUES (1, 'x', 'PERPETUAL', 5, 2)",
      ]) {
        await expect(
          db.transaction(() => db.exec(tamper)),
          tamper,
        ).rejects.toThrow(/conservation/);
      }
      await expect(db.transaction(() => db.exec('UPDATE holdings SET count = count + 4'))).rejects.toThrow(/check constraint/);
      await expect(db.transaction(() => db.exec('UPDATE lots SET count = 1'))).rejects.toThrow(/check constraint/);
      expect(await lots()).toBe(before);
      await db.transaction(() => db.exec('UPDATE holdings SET count = count + 3'));
      expect(await db.get('SELECT blocked FROM lots')).toEqual({ blocked: 5 });
      expect((await checkInvariants(ledger)).join()).toMatch(/differ from its latest code/);
    } finally {
      await ledger.close();
    }
  });
});

describe('the invariant check itself', () => {
  it('is enforced by the database: a manual UPDATE that would break conservation is refused', async () => {
    const ledger = await reservedLedger('db-conservation');
    try {
      const db = rawDb(ledger);
      const lots = () => JSON.stringify(db.prepare('SELECT * FROM lots').all());
      const before = lots();
      for (const tamper of [
        'UPDATE lots SET blocked = blocked - 1',
        'UPDATE lots SET blocked = blocked + 1',
        'UPDATE lots SET blocked = 0',
        "INSERT INTO lots (account_id, tag, type, count, blocked) VALUES (1, 'x', 'PERPETUAL', 5, 2)",
      ]) {
        expect(() => db.exec(tamper), tamper).toThrow(/conservation/);
      }
      // Holdings beyond what a lot holds, or a lot shrunk under what it blocks: refused by the CHECK.
      expect(() => db.exec('UPDATE holdings SET count = count + 4')).toThrow(/CHECK constraint/);
      expect(() => db.exec('UPDATE lots SET count = 1')).toThrow(/CHECK constraint/);
      expect(lots()).toBe(before);
      // A change of holdings that stays within the lot keeps blocked in step by itself.
      db.exec('UPDATE holdings SET count = count + 3');
      expect(db.prepare('SELECT blocked FROM lots').get()).toEqual({ blocked: 5 });
      expect((await checkInvariants(ledger)).join()).toMatch(/differ from its latest code/);
    } finally {
      await ledger.close();
    }
  });

  it('finds a ledger whose kept-in-step counts were tampered with (the triggers dropped first)', async () => {
    const ledger = await reservedLedger('inv');
    try {
      expect(await checkInvariants(ledger)).toEqual([]);
      const db = rawDb(ledger);
      db.exec('DROP TRIGGER lots_blocked_is_derived');
      db.exec('UPDATE lots SET blocked = blocked - 1');
      expect((await checkInvariants(ledger)).join()).toMatch(/blocked 1 but holdings, transitions, export grants and satellite allocations add up to 2/);
      db.exec('UPDATE lots SET blocked = blocked + 1; DROP TRIGGER holdings_update; UPDATE holdings SET count = 1');
      expect((await checkInvariants(ledger)).join()).toMatch(/blocked 2 but holdings, transitions, export grants and satellite allocations add up to 1/);
      expect(() => db.exec('UPDATE lots SET blocked = 99')).toThrow(/CHECK constraint/);
    } finally {
      await ledger.close();
    }
  });
});
