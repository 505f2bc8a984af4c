// The whole system against the adversary of the spec: one authority (the real ledger, on SQLite and on
// PostgreSQL), several
// devices (the real engine and crypto), and someone who carries the codes. The carrier may deliver any code
// ever issued, to any party, at any time, in any order, any number of times; may alter request codes in
// transit (swap the device key for their own); and may make confirmation and return codes with their own
// key for any authorization code they have seen. After every step the promises are checked:
//   P1 for every tag, what all devices may use (installed, valid now) is at most what was bought and is valid;
//   P2 what each device may use is at most what the authority blocks for it;
//   P3 the authority accepts a confirmation or return code for a device's reservation only if that device
//      made it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger, openLedger } from '../electron/services/authority/ledger.ts';
import { PgDb } from '../electron/services/authority/pg-db.ts';
import { SKIP_POSTGRES, startPostgres, type Postgres } from './helpers/postgres.ts';
import { deviceCrypto, generateKeyPair, compressedPublicKey } from '../electron/services/crypto.ts';
import { findAnyEntitlement, productById } from '../shared/catalog.ts';
import { parseAuthorizationCode } from '../shared/codes/authorization-code.ts';
import { codeMessage, makeConfirmationCode, makeRequestCode, makeReturnCode, parseRequestCode, parseReturnCode } from '../shared/codes/device-codes.ts';
import { isSlrError } from '../shared/errors.ts';
import { reservedAt } from '../shared/instance/time.ts';
import { installedCode } from '../shared/instance/status.ts';
import { toBase64 } from '../shared/bytes.ts';
import { days, makeDevice, type Device } from './helpers/world.ts';

const T = Date.UTC(2026, 2, 1);
const TAGS = ['UCM_Basic', 'UCM_Enhanced'];
const tagOf = (short: string) => findAnyEntitlement(short)!.def.tag;

const w = <A>(weight: number, arbitrary: fc.Arbitrary<A>) => ({ weight, arbitrary });
/** Which code of the carrier's bag: usually one that names the party it is delivered to, else any. */
const pick = fc.record({
  mine: fc.oneof(fc.constant(true), fc.constant(true), fc.constant(false)),
  i: fc.oneof(fc.constant(0), fc.constant(0), fc.constant(1), fc.nat(1000)),
});
type Pick = { mine: boolean; i: number };
const op = fc.oneof(
  w(2, fc.record({ kind: fc.constant('enable-request' as const), device: fc.nat(2) })),
  w(1, fc.record({ kind: fc.constant('cancel' as const), device: fc.nat(2) })),
  w(4, fc.record({ kind: fc.constant('install' as const), device: fc.nat(2), code: pick })),
  w(2, fc.record({ kind: fc.constant('return' as const), device: fc.nat(2) })),
  w(2, fc.record({ kind: fc.constant('return-authorization' as const), device: fc.nat(2), code: pick })),
  w(4, fc.record({ kind: fc.constant('reserve' as const), request: pick, tag: fc.constantFrom(...TAGS), count: fc.integer({ min: 1, max: 5 }) })),
  w(4, fc.record({ kind: fc.constant('update' as const), instance: pick, tag: fc.constantFrom(...TAGS), count: fc.integer({ min: 0, max: 8 }) })),
  w(3, fc.record({ kind: fc.constant('confirm' as const), instance: pick, code: pick })),
  w(3, fc.record({ kind: fc.constant('remove' as const), instance: pick, code: pick })),
  w(1, fc.record({ kind: fc.constant('alter-request' as const), request: pick })),
  w(1, fc.record({ kind: fc.constant('forge' as const), code: pick })),
  w(1, fc.record({ kind: fc.constant('time' as const), days: fc.integer({ min: 1, max: 20 }) })),
);
type Op = typeof op extends fc.Arbitrary<infer O> ? O : never;

/** The i-th newest element: recent codes are picked more often, any code can be. */
const at = <A>(list: readonly A[], i: number): A | undefined => (list.length ? list[list.length - 1 - (i % list.length)] : undefined);

/** A code from the bag; with `mine`, one that names `uuid` (authorization codes by their UDI, short codes by their SN). */
function choose(list: readonly string[], p: Pick, uuid?: string): string | undefined {
  if (!p.mine || !uuid) return at(list, p.i);
  const sn = uuid.slice(-5).toUpperCase();
  const named = list.filter((c) => c.includes(uuid) || (!c.startsWith('<') && returnSn(c) === sn));
  return at(named.length ? named : list, p.i);
}
function returnSn(code: string): string | null {
  try {
    return parseReturnCode(code).sn.toUpperCase();
  } catch {
    return null;
  }
}

interface World {
  readonly ledger: Ledger;
  readonly devices: Device[];
  now: number;
  /** Everything the carrier has seen. */
  readonly bag: { request: string[]; authorization: string[]; confirmation: string[]; return: string[] };
  /** Confirmation and return codes made by the devices themselves. */
  readonly genuine: Set<string>;
  readonly adversary: { privateKey: string; publicKey: Uint8Array };
  readonly authorityKeyPem: string;
}

async function newWorld(open: () => Promise<Ledger>): Promise<World> {
  const ledger = await open();
  await ledger.init('Adversary', T);
  await ledger.addLicenses({ account: 'Default', tag: 'UCM_Basic', count: 6 }, T);
  await ledger.addLicenses({ account: 'Default', tag: 'UCM_Enhanced', count: 3 }, T);
  await ledger.addLicenses({ account: 'Default', tag: 'UCM_Basic', count: 3, term: { start: T, end: T + days(40) } }, T);
  const key = await ledger.exportKey();
  const devices = [0, 1, 2].map(() => makeDevice('UCM', T, [{ id: key.id, publicKey: key.pem }]));
  const pair = generateKeyPair();
  return {
    ledger,
    devices,
    now: T,
    genuine: new Set(),
    bag: { request: [], authorization: [], confirmation: [], return: [] },
    adversary: { privateKey: pair.privateKey, publicKey: compressedPublicKey(pair.publicKey) },
    authorityKeyPem: key.pem,
  };
}

/** The request code with the device key swapped for the carrier's (same UUID, same everything else). */
function alterRequest(w: World, request: string): string {
  const parsed = parseRequestCode(request);
  return makeRequestCode(productById(parsed.udi.pid)!, parsed.udi.uuid, w.adversary.publicKey, parsed.nonce);
}

/** Confirmation and return codes made with the carrier's key for an authorization code it has seen. */
function forge(w: World, authorization: string): string[] {
  const code = parseAuthorizationCode(authorization);
  const crypto = deviceCrypto(w.adversary.privateKey);
  const mac = (purpose: 'confirm' | 'return') => crypto.mac(w.authorityKeyPem, codeMessage(purpose, code.piid, code.timestamp, code.udi));
  return [makeConfirmationCode(mac('confirm')), makeReturnCode(code.udi, mac('return'))];
}

/** Blocked for a device at the authority, by tag: holdings and transitions of its active instance. */
async function blockedFor(w: World, d: Device): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const line of await w.ledger.instances()) {
    if (!line.udi.endsWith(d.udi.uuid)) continue;
    for (const m of [line.reserved, line.inTransition]) for (const [short, n] of Object.entries(m)) out[tagOf(short)] = (out[tagOf(short)] ?? 0) + n;
  }
  return out;
}

async function promises(w: World): Promise<string[]> {
  const problems: string[] = [];
  const bought: Record<string, number> = {};
  for (const line of await w.ledger.licenses(w.now)) bought[line.tag] = (bought[line.tag] ?? 0) + line.purchased;
  const used: Record<string, number> = {};
  for (const [i, d] of w.devices.entries()) {
    const code = installedCode(d.state);
    if (!code) continue;
    const blocked = await blockedFor(w, d);
    for (const short of TAGS) {
      const tag = tagOf(short);
      const mine = reservedAt(code.entitlements, tag, w.now);
      used[tag] = (used[tag] ?? 0) + mine;
      if (mine > (blocked[tag] ?? 0)) problems.push(`P2: device ${i} may use ${mine} ${short}, the authority blocks ${blocked[tag] ?? 0} for it`);
    }
  }
  for (const [tag, n] of Object.entries(used)) {
    if (n > (bought[tag] ?? 0)) problems.push(`P1: devices may use ${n} ${tag}, ${bought[tag] ?? 0} bought and valid`);
  }
  return problems;
}

/** The device whose genuine key an instance of the ledger was reserved with, if any. */
async function ownerOf(w: World, sn: string): Promise<Device | undefined> {
  const row = await w.ledger.instance(sn);
  return w.devices.find((d) => d.udi.uuid === row.uuid && toBase64(d.publicKey) === toBase64(row.device_key));
}

async function step(w: World, o: Op, log: string[]): Promise<void> {
  const device = 'device' in o ? w.devices[o.device]! : undefined;
  const keep = (kind: keyof World['bag'], code: string | undefined, genuine = false) => {
    if (!code) return;
    w.bag[kind].push(code);
    if (genuine) w.genuine.add(code);
  };
  const instances = () => w.ledger.instances();
  try {
    switch (o.kind) {
      case 'enable-request':
        if (!device!.state.reservationEnabled) device!.run({ type: 'enable' }, w.now);
        keep('request', device!.run({ type: 'request' }, w.now).issued?.code);
        break;
      case 'cancel':
        device!.run({ type: 'cancel' }, w.now);
        break;
      case 'install': {
        const code = choose(w.bag.authorization, o.code, device!.udi.uuid);
        if (!code) return;
        const out = device!.run({ type: 'install', code }, w.now);
        keep('confirmation', out.issued?.code, true);
        break;
      }
      case 'return':
        keep('return', device!.run({ type: 'return' }, w.now).issued?.code, true);
        break;
      case 'return-authorization': {
        const code = choose(w.bag.authorization, o.code, device!.udi.uuid);
        if (!code) return;
        keep('return', device!.run({ type: 'return-authorization', code }, w.now).issued?.code, true);
        break;
      }
      case 'reserve': {
        const request = at(w.bag.request, o.request.i);
        if (!request) return;
        keep('authorization', (await w.ledger.reserve({ account: 'Default', request, licenses: { [o.tag]: o.count } }, w.now)).code);
        break;
      }
      case 'update': {
        const line = at(await instances(), o.instance.i);
        if (!line) return;
        keep('authorization', (await w.ledger.update({ instance: line.udi, licenses: { [o.tag]: o.count } }, w.now)).code);
        break;
      }
      case 'confirm':
      case 'remove': {
        const line = at(await instances(), o.instance.i);
        const uuid = line ? /U:([0-9a-f-]{36})/.exec(line.udi)![1] : undefined;
        const code = choose(o.kind === 'confirm' ? w.bag.confirmation : w.bag.return, o.code, o.kind === 'remove' ? uuid : undefined);
        if (!line || !code) return;
        const owner = await ownerOf(w, line.udi);
        if (o.kind === 'confirm') await w.ledger.confirm({ instance: line.udi, code }, w.now);
        else await w.ledger.remove({ instance: line.udi, returnCode: code }, w.now);
        if (owner && !w.genuine.has(code)) log.push(`P3: ${o.kind} accepted a code the device did not make for ${line.udi}`);
        break;
      }
      case 'alter-request': {
        const request = at(w.bag.request, o.request.i);
        if (request) keep('request', alterRequest(w, request));
        break;
      }
      case 'forge': {
        const code = at(w.bag.authorization, o.code.i);
        if (!code) return;
        const [confirmation, ret] = forge(w, code);
        keep('confirmation', confirmation);
        keep('return', ret);
        break;
      }
      case 'time':
        w.now += days(o.days);
        break;
    }
    done.set(o.kind, (done.get(o.kind) ?? 0) + 1);
  } catch (e) {
    if (!isSlrError(e)) throw e;
    refusedBy.set(`${o.kind}:${e.code}`, (refusedBy.get(`${o.kind}:${e.code}`) ?? 0) + 1);
  }
}
/** What the runs did: successes by operation, refusals by operation and reason. */
const done = new Map<string, number>();
const refusedBy = new Map<string, number>();

/** The ledgers the model runs on: the embedded SQLite, and PostgreSQL (a fresh database each run, fewer runs). */
let postgres: Postgres | null = null;
beforeAll(async () => {
  if (!SKIP_POSTGRES) postgres = await startPostgres();
});
afterAll(async () => postgres?.stop());
const ENGINES = [
  { name: 'SQLite', runs: 300, skip: false, open: () => openLedger({ dir: mkdtempSync(join(tmpdir(), 'slr-adv-')), actor: 'test' }, true) },
  { name: 'PostgreSQL', runs: 100, skip: SKIP_POSTGRES, open: async () => Ledger.open(await PgDb.connect(await postgres!.database(), 2), 'test') },
];

// The seed is fixed so that a run is reproducible in CI; SLR_MODEL_SEED=<n> explores other sequences.
describe.each(ENGINES)('the whole system against whoever carries the codes ($name)', ({ runs, skip, open, name }) => {
  it.skipIf(skip)('keeps every promise after every step', async () => {
    done.clear();
    refusedBy.clear();
    let steps = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 20, maxLength: 80 }), async (ops) => {
        const w = await newWorld(open);
        try {
          for (const o of ops) {
            const log: string[] = [];
            await step(w, o, log);
            steps++;
            expect([...log, ...(await promises(w))], `after ${JSON.stringify(o)}`).toEqual([]);
          }
        } finally {
          await w.ledger.close();
        }
      }),
      { numRuns: runs, seed: Number(process.env.SLR_MODEL_SEED ?? 20261123) },
    );
    console.log(
      `system model (${name}): ${steps} steps; done ${JSON.stringify(Object.fromEntries(done))}; refused ${JSON.stringify(Object.fromEntries(refusedBy))}`,
    );
    // The thresholds are for 300 runs; fewer runs (PostgreSQL) reach proportionally fewer.
    const share = runs / 300;
    expect(steps).toBeGreaterThan(2000 * share);
    // The runs reach deep states: every exchange succeeded somewhere, and the attacks were tried and refused.
    for (const [kind, least] of [
      ['reserve', 50],
      ['update', 50],
      ['install', 30],
      ['confirm', 3],
      ['remove', 10],
      ['return', 5],
      ['return-authorization', 5],
    ] as const) {
      expect(done.get(kind) ?? 0, kind).toBeGreaterThanOrEqual(Math.ceil(least * share));
    }
    for (const refusal of ['install:altered-request', 'install:reservation-closed', 'reserve:request-used', 'confirm:replayed-code']) {
      expect(refusedBy.get(refusal) ?? 0, refusal).toBeGreaterThan(0);
    }
  });
});
