// Smart Licensing online against an adversary, as a model of the whole pool: one License Central (the real
// ledger, on SQLite and on PostgreSQL), devices that register with tokens, report usage, renew, deregister and
// move between virtual accounts, devices reserving by SLR beside them, an administrator adding licenses and
// removing registrations, time passing, and someone who records every signed call to send it again, or signs
// calls for another device's registration with a key of their own, or who holds a token and registers another
// device's UDI with a key of their own (a takeover), or sends a recorded registration again. After every step:
//   O1 each virtual account counts exactly the registrations alive in it, each with the usage its device last
//      reported (a replayed or forged call, a deregistered or removed instance, changes nothing and counts nothing);
//   O2 the compliance License Central shows for each is the truth of its pool now (what the account's
//      instances report against what it has, valid now, not blocked by reservations), and the answer a report
//      got was the truth when it was given;
//   O3 online operations never move a license reserved by SLR (never counted twice), and no token is used
//      more often than it allows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Ledger, openLedger } from '../electron/authority/ledger.ts';
import { PgDb } from '../electron/authority/db/postgres/pg-db.ts';
import type { DeviceCall } from '../electron/authority/ledger/registrations.ts';
import type { RegisterInput } from '../electron/authority/ledger/register.ts';
import { registerInput, signedCall } from './helpers/register.ts';
import { findAnyEntitlement } from '../shared/catalog.ts';
import { isSlrError } from '../shared/errors.ts';
import { complianceOf } from '../shared/registration/protocol.ts';
import { formatUdi } from '../shared/udi.ts';
import { makeDevice, type Device } from './helpers/world.ts';
import { SKIP_POSTGRES, startPostgres, type Postgres } from './helpers/postgres.ts';
import { scratchDirs } from './helpers/scratch.ts';

const scratch = scratchDirs('slr-online-adv-');

const T = Date.UTC(2026, 10, 2, 8);
const DAY = 86_400_000;
const BASIC = findAnyEntitlement('UCM_Basic')!.def.tag;
const ACCOUNTS = ['Default', 'Lab'] as const;
const DEVICES = 4;

const w = <A>(weight: number, arbitrary: fc.Arbitrary<A>) => ({ weight, arbitrary });
const op = fc.oneof(
  w(3, fc.record({ kind: fc.constant('register' as const), device: fc.nat(DEVICES - 1), account: fc.nat(1), force: fc.boolean(), limited: fc.boolean() })),
  w(6, fc.record({ kind: fc.constant('report' as const), device: fc.nat(DEVICES - 1), count: fc.integer({ min: 0, max: 9 }) })),
  w(2, fc.record({ kind: fc.constant('renew' as const), device: fc.nat(DEVICES - 1) })),
  w(1, fc.record({ kind: fc.constant('deregister' as const), device: fc.nat(DEVICES - 1) })),
  w(1, fc.record({ kind: fc.constant('remove' as const), device: fc.nat(DEVICES - 1) })),
  w(3, fc.record({ kind: fc.constant('replay' as const), i: fc.nat(1000) })),
  // Someone holding a token (of either account) registers a device's UDI with force, with a key of their own or
  // claiming the device's key (signed with theirs).
  w(
    2,
    fc.record({ kind: fc.constant('takeover' as const), device: fc.nat(DEVICES - 1), victim: fc.nat(DEVICES - 1), account: fc.nat(1), claim: fc.boolean() }),
  ),
  // A registration request recorded on the way, sent again.
  w(1, fc.record({ kind: fc.constant('replay-register' as const), i: fc.nat(1000) })),
  w(
    2,
    fc.record({
      kind: fc.constant('forge' as const),
      device: fc.nat(DEVICES - 1),
      victim: fc.nat(DEVICES - 1),
      operation: fc.constantFrom('device-usage', 'device-renew-auth', 'device-deregister'),
      count: fc.integer({ min: 0, max: 99 }),
    }),
  ),
  w(1, fc.record({ kind: fc.constant('reserve' as const), account: fc.nat(1), count: fc.integer({ min: 1, max: 6 }) })),
  w(1, fc.record({ kind: fc.constant('licenses' as const), account: fc.nat(1), count: fc.integer({ min: 1, max: 5 }) })),
  w(1, fc.record({ kind: fc.constant('time' as const), days: fc.integer({ min: 1, max: 40 }) })),
);
type Op = typeof op extends fc.Arbitrary<infer O> ? O : never;

/** What the model knows of a device: its registration (alive or not) and the usage it last reported. */
interface Member {
  readonly device: Device;
  instance: string | null;
  account: string | null;
  seq: number;
  reported: number;
}

interface World {
  readonly ledger: Ledger;
  now: number;
  readonly members: Member[];
  /** Tokens per account: any number of uses, and two uses at most. */
  readonly tokens: Record<string, { open: string; limited: string }>;
  /** Every signed call ever sent, with the operation and the usage it carried: the recorder's bag. */
  readonly recorded: { call: DeviceCall; usage: number }[];
  /** Every registration request ever sent. */
  readonly registrations: RegisterInput[];
  /** The License Central keys the devices trust. */
  readonly trustedKeyIds: string[];
  /** Licenses reserved by SLR, per account. */
  readonly reserved: Record<string, number>;
}

async function newWorld(open: () => Promise<Ledger>): Promise<World> {
  const ledger = await open();
  await ledger.init('Acme', T);
  await ledger.addAccount('Lab', T);
  for (const account of ACCOUNTS) await ledger.addLicenses({ account, tag: 'UCM_Basic', count: 8 }, T);
  const token = async (account: string, maxUses?: number) =>
    (await ledger.createToken({ account, maxUses, server: 'https://lc.example:8443', fingerprint: 'AB:'.repeat(31) + 'AB' }, T)).token;
  const tokens: World['tokens'] = {};
  for (const a of ACCOUNTS) tokens[a] = { open: await token(a), limited: await token(a, 2) };
  const members = Array.from({ length: DEVICES }, () => ({ device: makeDevice('UCM', T), instance: null, account: null, seq: 0, reported: 0 }));
  const trustedKeyIds = (await ledger.keys()).map((k) => k.id);
  return { ledger, now: T, members, tokens, recorded: [], registrations: [], trustedKeyIds, reserved: { Default: 0, Lab: 0 } };
}

/** Sends a recorded or forged call again, as the server would run it. */
function send(l: Ledger, call: DeviceCall, usage: number, now: number): Promise<unknown> {
  if (call.operation === 'device-usage') return l.reportUsage(call, { [BASIC]: usage }, now);
  if (call.operation === 'device-renew-auth') return l.renewAuthorization(call, now);
  return l.deregister(call, now);
}

/** A device's own call, with the next sequence number; recorded by the adversary. */
async function own(w: World, m: Member, operation: string, usage = 0): Promise<unknown> {
  const call = signedCall(m.device.privateKey, m.instance!, m.seq + 1, operation, operation === 'device-usage' ? { usage: { [BASIC]: usage } } : {});
  m.seq += 1;
  w.recorded.push({ call, usage });
  return send(w.ledger, call, usage, w.now);
}

const udiOf = (m: Member) => formatUdi(m.device.udi);
const leave = (m: Member) => Object.assign(m, { instance: null, account: null, seq: 0, reported: 0 });

async function step(w: World, o: Op, log: string[]): Promise<void> {
  const m = 'device' in o ? w.members[o.device]! : null;
  try {
    switch (o.kind) {
      case 'register': {
        const account = ACCOUNTS[o.account]!;
        const input = registerInput(m!.device, w.tokens[account]![o.limited ? 'limited' : 'open'], { force: o.force, trustedKeyIds: w.trustedKeyIds });
        w.registrations.push(input);
        const r = await w.ledger.register(input, w.now);
        // Moved (force) or first: the previous registration of this device is gone, without its usage.
        for (const other of w.members) if (other.device.udi.uuid === m!.device.udi.uuid) leave(other);
        Object.assign(m!, { instance: r.instance, account: r.account, seq: 0, reported: 0 });
        break;
      }
      case 'report': {
        if (!m!.instance) return;
        const answer = (await own(w, m!, 'device-usage', o.count)) as { compliance: { status: string } };
        m!.reported = o.count;
        const truth = await truthFor(w, m!);
        if (answer.compliance.status !== truth) log.push(`the report of ${udiOf(m!)} was answered ${answer.compliance.status}, the pool said ${truth}`);
        break;
      }
      case 'renew':
        if (m!.instance) await own(w, m!, 'device-renew-auth');
        break;
      case 'deregister':
        if (!m!.instance) return;
        await own(w, m!, 'device-deregister');
        leave(m!);
        break;
      case 'remove':
        if (!m!.instance) return;
        await w.ledger.removeRegistered(m!.instance, w.now);
        leave(m!);
        break;
      case 'replay': {
        const r = w.recorded[o.i % Math.max(1, w.recorded.length)];
        if (!r) return;
        await send(w.ledger, r.call, r.usage, w.now);
        log.push(`a recorded call was accepted again: ${r.call.operation} seq ${r.call.seq}`);
        break;
      }
      case 'takeover': {
        const victim = w.members[o.victim]!;
        if (o.victim === o.device || !victim.instance) return;
        const input = registerInput(victim.device, w.tokens[ACCOUNTS[o.account]!]!.open, {
          force: true,
          trustedKeyIds: w.trustedKeyIds,
          signer: m!.device,
          claimDeviceKey: o.claim,
        });
        await w.ledger.register(input, w.now);
        log.push(`${udiOf(victim)}'s registration was replaced by a request signed with another key`);
        break;
      }
      case 'replay-register': {
        const r = w.registrations[o.i % Math.max(1, w.registrations.length)];
        if (!r) return;
        const holder = w.members.find((x) => formatUdi(x.device.udi) === r.udi)!;
        const before = holder.instance;
        const answer = await w.ledger.register(r, w.now);
        // Answered again as it was (its answer lost on the way) is no change; anything else is.
        if (answer.instance !== before) log.push(`a recorded registration of ${r.udi} was accepted again as instance ${answer.instance}`);
        break;
      }
      case 'forge': {
        const victim = w.members[o.victim]!;
        if (!victim.instance || o.victim === o.device) return;
        const body = o.operation === 'device-usage' ? { usage: { [BASIC]: o.count } } : {};
        await send(w.ledger, signedCall(m!.device.privateKey, victim.instance, victim.seq + 1, o.operation, body), o.count, w.now);
        log.push(`a ${o.operation} call for ${udiOf(victim)} signed by another key was accepted`);
        break;
      }
      case 'reserve': {
        const account = ACCOUNTS[o.account]!;
        const d = makeDevice('UCM', w.now);
        d.run({ type: 'enable' }, w.now);
        await w.ledger.reserve({ account, request: d.run({ type: 'request' }, w.now).issued!.code, licenses: { UCM_Basic: o.count } }, w.now);
        w.reserved[account]! += o.count;
        break;
      }
      case 'licenses':
        await w.ledger.addLicenses({ account: ACCOUNTS[o.account]!, tag: 'UCM_Basic', count: o.count }, w.now);
        break;
      case 'time':
        w.now += o.days * DAY;
        break;
    }
  } catch (e) {
    if (!isSlrError(e)) throw e;
  }
}

/** What the pool says of a member's usage now: its account's live registrations against what it has. */
async function truthFor(w: World, m: Member): Promise<string> {
  const rows = await w.ledger.registeredInstances(w.now, m.account!);
  const live = rows.filter((r) => r.authorizationExpires > w.now);
  const available = (await w.ledger.licenses(w.now, m.account!)).filter((l) => l.tag === BASIC).reduce((n, l) => n + l.available, 0);
  const inUse = live.reduce((n, r) => n + (r.usage.UCM_Basic ?? 0), 0);
  return complianceOf([{ tag: BASIC, inUse: m.reported }], { [BASIC]: inUse }, { [BASIC]: available }).status;
}

/** The promises, as a list of what is broken (empty: all hold). */
async function promises(w: World): Promise<string[]> {
  const broken: string[] = [];
  for (const account of ACCOUNTS) {
    const rows = await w.ledger.registeredInstances(w.now, account);
    const alive = w.members.filter((m) => m.account === account);
    const shown = rows.map((r) => `${r.udi}=${r.usage.UCM_Basic ?? 0}`).sort();
    const expected = alive.map((m) => `${udiOf(m)}=${m.reported}`).sort();
    if (JSON.stringify(shown) !== JSON.stringify(expected)) broken.push(`O1 ${account}: shows ${shown.join(' ')}, the devices say ${expected.join(' ')}`);
    for (const m of alive) {
      const row = rows.find((r) => r.udi === udiOf(m));
      const truth = await truthFor(w, m);
      if (row && m.reported > 0 && row.compliance !== truth) broken.push(`O2 ${udiOf(m)}: shown ${row.compliance}, the pool says ${truth}`);
    }
    const reserved = (await w.ledger.licenses(w.now, account)).filter((l) => l.tag === BASIC).reduce((n, l) => n + l.reserved + l.inTransition, 0);
    if (reserved !== w.reserved[account]) broken.push(`O3 ${account}: ${reserved} reserved by SLR, the reservations made ${w.reserved[account]}`);
  }
  for (const t of await w.ledger.listTokens(w.now))
    if (t.maxUses !== null && t.uses > t.maxUses) broken.push(`O3 token ${t.id} used ${t.uses} of ${t.maxUses}`);
  return broken;
}

let postgres: Postgres | null = null;
beforeAll(async () => {
  if (!SKIP_POSTGRES) postgres = await startPostgres();
});
afterAll(async () => postgres?.stop());
const ENGINES = [
  { name: 'SQLite', runs: 120, skip: false, open: () => openLedger({ dir: scratch(), actor: 'test' }, true) },
  { name: 'PostgreSQL', runs: 30, skip: SKIP_POSTGRES, open: async () => Ledger.open(await PgDb.connect(await postgres!.database(), 2), 'test') },
];

describe.each(ENGINES)('Smart Licensing online against replays, forgeries and races for the pool ($name)', ({ runs, skip, open }) => {
  it.skipIf(skip)('keeps every promise after every step', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 15, maxLength: 60 }), async (ops) => {
        const w = await newWorld(open);
        try {
          for (const o of ops) {
            const log: string[] = [];
            await step(w, o, log);
            seen.set(o.kind, (seen.get(o.kind) ?? 0) + 1);
            expect([...log, ...(await promises(w))], `after ${JSON.stringify(o)}`).toEqual([]);
          }
        } finally {
          await w.ledger.close();
        }
      }),
      { numRuns: runs, seed: Number(process.env.SLR_MODEL_SEED ?? 20261129) },
    );
    for (const kind of ['register', 'report', 'replay', 'forge', 'reserve', 'remove', 'deregister', 'takeover', 'replay-register'])
      expect(seen.get(kind) ?? 0).toBeGreaterThan(runs / 4);
  });
});
