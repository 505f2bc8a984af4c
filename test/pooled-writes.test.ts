// Writes that scale (issue 31): on PostgreSQL a pooled write (reserve, update, a device's code, an online
// device's call, a registration) locks the virtual account it works on, not the ledger. These tests show the
// locks as a party sees them: a write on another account goes ahead while one account's write is held open; a
// write on the same account, or a write alone, waits for it; two writes that lock in opposite orders deadlock and
// are run again; and many pooled writes through two connections at once (two servers) keep every promise:
// no license counted twice, the pools within their purchase, the event log's chain whole and its seal the ledger's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../electron/authority/ledger.ts';
import { PgDb } from '../electron/authority/db/postgres/pg-db.ts';
import { findAccount, findAccountAndLots } from '../electron/authority/ledger/lookups.ts';
import { productById } from '../shared/catalog.ts';
import { checkInvariants } from './helpers/ledger-audit.ts';
import { makeDevice, type Device } from './helpers/world.ts';
import { refused } from './helpers/refused.ts';
import { SKIP_POSTGRES, startPostgres, type Postgres } from './helpers/postgres.ts';
import { scaled } from './helpers/time-scale.ts';

const T = Date.UTC(2026, 11, 1, 9);
let postgres: Postgres | null = null;

/** A ledger on a new database with accounts `names`, each with `count` UCM_Basic licenses, and a second connection to it. */
async function ledgers(names: readonly string[], count: number): Promise<{ one: Ledger; two: Ledger; key: { id: string; publicKey: string } }> {
  const url = await postgres!.database();
  const one = await Ledger.open(await PgDb.connect(url, 10), 'server-1');
  await one.init('Pooled', T);
  for (const name of names) {
    if (name !== 'Default') await one.addAccount(name, T);
    await one.addLicenses({ account: name, tag: 'UCM_Basic', count }, T);
  }
  const two = await Ledger.open(await PgDb.connect(url, 10), 'server-2');
  const key = await one.exportKey();
  return { one, two, key: { id: key.id, publicKey: key.pem } };
}

function device(key: { id: string; publicKey: string }): { d: Device; request: string } {
  const d = makeDevice('UCM', T, [key]);
  d.run({ type: 'enable' }, T);
  return { d, request: d.run({ type: 'request' }, T).issued!.code };
}

/** `p`, and whether it has settled yet. */
function tracked<T>(p: Promise<T>): { promise: Promise<T>; done: () => boolean } {
  let settled = false;
  const promise = p.finally(() => (settled = true));
  promise.catch(() => undefined);
  return { promise, done: () => settled };
}

/** A pooled write on account A, held open after `step` (as a slow request would be) until released. */
async function heldOpenOnA(ledger: Ledger, step: () => Promise<unknown> = async () => undefined) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let holding!: () => void;
  const held = new Promise<void>((r) => (holding = r));
  const done = ledger.store.writePooled(T + 1000, async () => {
    await findAccount(ledger.store, 'A');
    await step();
    holding();
    await gate;
  });
  await held;
  return { release, done };
}

/** Waits (polling PostgreSQL's lock table, at most 10 s) until `n` transactions wait for an advisory lock. */
async function waitersAtLeast(ledger: Ledger, n: number): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const row = await ledger.store.db.get<{ n: number }>("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
    if (row!.n >= n) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`fewer than ${n} transactions wait for a lock`);
}

async function promisesKept(ledger: Ledger): Promise<void> {
  expect(await checkInvariants(ledger)).toEqual([]);
  const verified = await ledger.verifyEvents();
  expect(verified.broken).toBeNull();
  expect(verified.sealProblem).toBeNull();
}

describe.skipIf(SKIP_POSTGRES)('pooled writes on PostgreSQL', () => {
  beforeAll(async () => {
    postgres = await startPostgres();
  }, scaled(60_000));
  afterAll(async () => {
    await postgres?.stop();
  });

  it('go ahead on another virtual account while one is held; wait on the same one; and let a write alone go first', async () => {
    const { one, two, key } = await ledgers(['A', 'B'], 10);
    try {
      // A pooled write on A, held open (as a slow request would be) on the first connection.
      const writeOnA = await heldOpenOnA(one);
      const order: string[] = [];
      const track = <V>(name: string, p: Promise<V>) => tracked(p.finally(() => order.push(name)));
      // Through the second connection: a reservation on A waits, one on B is done, and so is its update.
      const onA = track('on A', two.reserve({ account: 'A', request: device(key).request, licenses: { UCM_Basic: 1 } }, T + 1000));
      const b = device(key);
      const onB = await two.reserve({ account: 'B', request: b.request, licenses: { UCM_Basic: 2 } }, T + 1000);
      await two.update({ instance: onB.udi, licenses: { UCM_Basic: 3 } }, T + 1000);
      expect(onA.done()).toBe(false);
      // A write alone (licenses added) waits for the pooled write in flight; a pooled write asked after it, even on
      // B, waits behind it (a write alone is never starved by a stream of pooled ones).
      const alone = track('alone', two.addLicenses({ account: 'B', tag: 'UCM_Basic', count: 1 }, T + 1000));
      await waitersAtLeast(one, 2);
      const later = track('later on B', two.reserve({ account: 'B', request: device(key).request, licenses: { UCM_Basic: 1 } }, T + 1000));
      await waitersAtLeast(one, 3);
      expect([onA.done(), alone.done(), later.done()]).toEqual([false, false, false]);
      writeOnA.release();
      await writeOnA.done;
      await Promise.all([onA.promise, alone.promise, later.promise]);
      expect(order.indexOf('alone')).toBeLessThan(order.indexOf('later on B'));
      const pools = await one.licenses(T + 1000);
      expect(pools.find((l) => l.account === 'A' && l.short === 'UCM_Basic')).toMatchObject({ purchased: 10, reserved: 1 });
      expect(pools.find((l) => l.account === 'B' && l.short === 'UCM_Basic')).toMatchObject({ purchased: 11, reserved: 4 });
      await promisesKept(one);
    } finally {
      await two.close();
      await one.close();
    }
  });

  it("lock an account found by its name's key (a reservation, one round trip) and by its id (an update) as one lock", async () => {
    const { one, two, key } = await ledgers(['A', 'B'], 10);
    try {
      const first = await two.reserve({ account: 'A', request: device(key).request, licenses: { UCM_Basic: 1 } }, T + 1000);
      // Held by its name's key (differently cased: the same key) ...
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let holding!: (lots: number) => void;
      const held = new Promise<number>((r) => (holding = r));
      const done = one.store.writePooled(T + 1000, async () => {
        holding((await findAccountAndLots(one.store, 'a', productById('UCM')!)).lots.length);
        await gate;
      });
      expect(await held).toBe(1);
      // ... an update of an instance of A (which locks A by its id) waits; a reservation on B does not.
      const update = tracked(two.update({ instance: first.udi, licenses: { UCM_Basic: 2 } }, T + 1000));
      await waitersAtLeast(one, 1);
      await two.reserve({ account: 'B', request: device(key).request, licenses: { UCM_Basic: 1 } }, T + 1000);
      expect(update.done()).toBe(false);
      release();
      await done;
      await update.promise;
      // And the other way: held by its id, a reservation on A (by its name's key) waits.
      const byId = await heldOpenOnA(one);
      const onA = tracked(two.reserve({ account: 'A', request: device(key).request, licenses: { UCM_Basic: 1 } }, T + 1000));
      await waitersAtLeast(one, 1);
      expect(onA.done()).toBe(false);
      byId.release();
      await byId.done;
      await onA.promise;
      await promisesKept(one);
    } finally {
      await two.close();
      await one.close();
    }
  });

  it('take the event chain only at their end: a write that logged and still works holds up no other', async () => {
    const { one, two, key } = await ledgers(['A', 'B'], 10);
    try {
      const slow = await heldOpenOnA(one, () => one.store.log(T + 1000, 'test', 'logged first, committed last'));
      // On B through the other connection: done while the write on A, which logged before it, is still open.
      const onB = await two.reserve({ account: 'B', request: device(key).request, licenses: { UCM_Basic: 1 } }, T + 1000);
      slow.release();
      await slow.done;
      // The log is in the order of the commits, each event chained to the one before.
      const last = (await one.events()).slice(-2);
      expect(last.map((e) => [e.type, e.instance])).toEqual([
        ['reserve', onB.udi],
        ['test', null],
      ]);
      await promisesKept(one);
    } finally {
      await two.close();
      await one.close();
    }
  });

  it('prepare a statement again when another server changed the columns it returns', async () => {
    const url = await postgres!.database();
    const [one, two] = [await PgDb.connect(url, 4), await PgDb.connect(url, 4)];
    try {
      await two.exec('CREATE TABLE shapes (a INTEGER); INSERT INTO shapes VALUES (1)');
      // Prepared on every connection of the first server's pool (four transactions at once).
      const all = () => one.transaction(() => one.all<Record<string, unknown>>('SELECT * FROM shapes'), null);
      expect(await Promise.all([all(), all(), all(), all()])).toEqual(Array(4).fill([{ a: 1 }]));
      // The other server migrates the table: the first server's prepared statement no longer fits (0A000).
      await two.exec('ALTER TABLE shapes ADD COLUMN b INTEGER NOT NULL DEFAULT 2');
      expect(await Promise.all([all(), all()])).toEqual(Array(2).fill([{ a: 1, b: 2 }]));
      // And once more, outside any transaction.
      await two.exec('ALTER TABLE shapes ADD COLUMN c INTEGER NOT NULL DEFAULT 3');
      expect(await one.all('SELECT * FROM shapes')).toEqual([{ a: 1, b: 2, c: 3 }]);
      expect(await one.read(() => one.all('SELECT * FROM shapes'))).toEqual([{ a: 1, b: 2, c: 3 }]);
    } finally {
      await two.close();
      await one.close();
    }
  });

  it(
    'run again a write that deadlocked with another, so both are done',
    async () => {
      const { one, two } = await ledgers(['A', 'B'], 1);
      try {
        const ids = [
          (await one.store.db.get<{ id: number }>("SELECT id FROM accounts WHERE name = 'A'"))!.id,
          (await one.store.db.get<{ id: number }>("SELECT id FROM accounts WHERE name = 'B'"))!.id,
        ];
        let bothHoldOne!: () => void;
        const ready = new Promise<void>((r) => (bothHoldOne = r));
        let holding = 0;
        const attempts = [0, 0];
        // Each takes one account, waits until the other holds the other, then takes it: PostgreSQL ends one (40P01).
        const crossed = (ledger: Ledger, i: number, first: number, second: number) =>
          ledger.store.writePooled(T + 1000, async () => {
            attempts[i]!++;
            await ledger.store.db.lock(`account:${first}`);
            if (++holding === 2) bothHoldOne();
            await ready;
            await ledger.store.db.lock(`account:${second}`);
            await ledger.store.log(T + 1000, 'test', `crossed ${i}`);
            return i;
          });
        expect(await Promise.all([crossed(one, 0, ids[0]!, ids[1]!), crossed(two, 1, ids[1]!, ids[0]!)])).toEqual([0, 1]);
        expect(attempts[0]! + attempts[1]!).toBe(3);
        const logged = (await one.events()).filter((e) => e.type === 'test');
        expect(logged.map((e) => e.message).sort()).toEqual(['crossed 0', 'crossed 1']);
        await promisesKept(one);
      } finally {
        await two.close();
        await one.close();
      }
    },
    scaled(30_000),
  );

  it(
    'keep every promise when many run at once through two connections on many pools',
    async () => {
      const accounts = ['A', 'B', 'C', 'D', 'E'];
      const { one, two, key } = await ledgers(accounts, 6);
      try {
        // 40 devices, 8 on each account, each asking for 1 or 2 licenses of a pool of 6: some must be refused.
        const asks = Array.from({ length: 40 }, (_, i) => ({
          ...device(key),
          account: accounts[i % accounts.length]!,
          n: 1 + (i % 2),
          via: i % 3 ? one : two,
        }));
        const outcomes = await Promise.all(
          asks.map((a) =>
            a.via.reserve({ account: a.account, request: a.request, licenses: { UCM_Basic: a.n } }, T + 1000).then(
              (issued) => ({ a, issued }),
              (e: unknown) => ({ a, refusal: (e as { code?: string }).code }),
            ),
          ),
        );
        const done = outcomes.flatMap((o) => ('issued' in o ? [o] : []));
        expect(outcomes.filter((o) => 'refusal' in o).map((o) => (o as { refusal?: string }).refusal)).toEqual(
          Array(outcomes.length - done.length).fill('shortfall'),
        );
        for (const name of accounts) {
          const reserved = done.filter((o) => o.a.account === name).reduce((n, o) => n + o.a.n, 0);
          expect(reserved).toBeGreaterThanOrEqual(5); // a pool of 6 is full but for at most one license
          expect((await one.licenses(T + 1000)).find((l) => l.account === name && l.short === 'UCM_Basic')?.reserved).toBe(reserved);
        }
        // Then, all at once: every device returns its licenses, half of them through the other connection, while
        // a new device's one request code races into two accounts through both connections (one reservation at most).
        const returns = done.map(async ({ a, issued }, i) => {
          a.d.run({ type: 'install', code: issued.code }, T + 2000);
          const returnCode = a.d.run({ type: 'return' }, T + 2000).issued!.code;
          return (i % 2 ? one : two).remove({ instance: issued.udi, returnCode }, T + 2000);
        });
        const twice = device(key);
        const raced = [one, two].map((l, i) => l.reserve({ account: accounts[i]!, request: twice.request, licenses: { UCM_Basic: 1 } }, T + 2000));
        // Settled from the start: the refused one may fail before the returns are all done (unheard, it would be
        // an unhandled rejection).
        const settled = Promise.allSettled(raced);
        const returned = await Promise.all(returns);
        expect(returned.reduce((n, r) => n + r.released, 0)).toBe(done.reduce((n, o) => n + o.a.n, 0));
        const race = await settled;
        expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect((await refused(raced.find((_, i) => race[i]!.status === 'rejected')!)).code).toBe('request-used');
        expect((await one.licenses(T + 2000)).reduce((n, l) => n + l.reserved, 0)).toBe(1);
        await promisesKept(one);
        await promisesKept(two);
        // Each event's id is the one after the head's, given under the chain's lock: one after another with no gap,
        // and the id sequence kept in step (for anything that still takes its ids from there).
        const ids = (await one.store.all<{ id: number }>('SELECT id FROM events ORDER BY id')).map((r) => Number(r.id));
        expect(ids).toEqual(ids.map((_, i) => i + 1));
        const sequence = await one.store.get<{ last_value: number }>('SELECT last_value FROM events_id_seq');
        expect(Number(sequence!.last_value)).toBe(ids.length);
      } finally {
        await two.close();
        await one.close();
      }
    },
    scaled(60_000),
  );
});
