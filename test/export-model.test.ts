// Export control online in the adversarial model (issue 27), License Central's ledger in this process: three
// devices register online with a token that allows export-controlled functionality (or move with force),
// deregister, are taken over by another token holder; each asks for or returns the export key with its own
// key or, as an attacker, with another device's; and SLR reservations ask for the same export key license.
// After every step: no registration holds a feature twice, what is granted online and reserved by SLR never
// exceeds what was bought, the pool adds up (blocked = holdings + transitions + grants), a call signed with a
// key other than the registration's changes nothing, and a registration that ended holds no key.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { openLedger } from '../electron/authority/ledger.ts';
import type { Ledger } from '../electron/authority/ledger.ts';
import { checkInvariants } from '../electron/authority/audit.ts';
import { isSlrError } from '../shared/errors.ts';
import { formatUdi } from '../shared/udi.ts';
import { registerInput, signedCall } from './helpers/register.ts';
import { makeDevice, type Device } from './helpers/world.ts';
import { scratchDirs } from './helpers/scratch.ts';

const scratch = scratchDirs('slr-export-model-');
const T = Date.UTC(2026, 3, 1);
const FEATURE = 'UCM_Export_Restricted_Authorization_Key';
const BOUGHT = 2;

const op = fc.oneof(
  fc.record({ kind: fc.constant('register' as const), device: fc.nat(2), force: fc.boolean() }),
  fc.record({ kind: fc.constant('deregister' as const), device: fc.nat(2) }),
  fc.record({ kind: fc.constant('takeover' as const), device: fc.nat(2), by: fc.nat(2) }),
  fc.record({ kind: fc.constant('export' as const), device: fc.nat(2), op: fc.constantFrom('request', 'return'), by: fc.nat(2) }),
  fc.record({ kind: fc.constant('export' as const), device: fc.nat(2), op: fc.constantFrom('request', 'return'), by: fc.nat(2) }),
  fc.record({ kind: fc.constant('reserve' as const), device: fc.nat(2), count: fc.integer({ min: 1, max: 2 }) }),
);
type Op = typeof op extends fc.Arbitrary<infer O> ? O : never;

interface World {
  ledger: Ledger;
  devices: Device[];
  token: string;
  keyIds: string[];
  /** Each device's live registration as the model knows it, and whose key made it. */
  online: ({ instance: string; seq: number; key: number } | null)[];
  now: number;
}

async function world(): Promise<World> {
  const ledger = await openLedger({ dir: scratch(), actor: 'model' }, true);
  await ledger.init('Model', T);
  await ledger.addLicenses({ account: 'Default', tag: 'UCM_Export_Key', count: BOUGHT }, T);
  await ledger.setExportControl(true, 'the model permits it', T);
  const key = await ledger.exportKey();
  const token = (
    await ledger.createToken(
      { account: 'Default', expiresDays: 365, server: 'https://lc.example:8443', fingerprint: 'AB:'.repeat(31) + 'AB', exportControlled: true },
      T,
    )
  ).token;
  const devices = [0, 1, 2].map(() => makeDevice('UCM', T, [{ id: key.id, publicKey: key.pem }]));
  return { ledger, devices, token, keyIds: [key.id], online: [null, null, null], now: T };
}

const keysOf = async (w: World, instance: string) => (await w.ledger.registeredInstances(w.now)).find((r) => r.instance === instance)?.exportKeys ?? [];

/** How the export calls ended, over the whole run: each must have happened. */
const outcomes = { granted: 0, 'none-left': 0, 'wrong-key': 0 };

async function step(w: World, o: Op, log: string[]): Promise<void> {
  w.now += 60_000;
  const device = w.devices[o.device]!;
  if (o.kind === 'register' || o.kind === 'takeover') {
    const by = o.kind === 'takeover' ? o.by : o.device;
    const before = w.online[o.device];
    const input = registerInput(device, w.token, { force: o.kind === 'takeover' || o.force, trustedKeyIds: w.keyIds, signer: w.devices[by] });
    const r = await w.ledger.register(input, w.now).catch((e: unknown) => {
      // Another key's registration is not replaced; a reserved UDI, or a live one without force, is not registered.
      if (isSlrError(e) && ['registration-owned', 'instance-exists'].includes(e.code)) return null;
      throw e;
    });
    if (!r) return;
    if (before && (await keysOf(w, before.instance)).length) log.push(`a replaced registration ${before.instance} still holds export keys`);
    w.online[o.device] = { instance: r.instance, seq: 0, key: by };
  } else if (o.kind === 'deregister') {
    const reg = w.online[o.device];
    if (!reg) return;
    await w.ledger.deregister(signedCall(w.devices[reg.key]!.privateKey, reg.instance, ++reg.seq, 'device-deregister'), w.now);
    if ((await keysOf(w, reg.instance)).length) log.push(`deregistered ${reg.instance} still holds export keys`);
    w.online[o.device] = null;
  } else if (o.kind === 'export') {
    const reg = w.online[o.device];
    if (!reg) return;
    const body = { feature: FEATURE, trustedKeyIds: w.keyIds };
    const call = signedCall(w.devices[o.by]!.privateKey, reg.instance, reg.seq + 1, `device-export-${o.op}`, body);
    const before = await keysOf(w, reg.instance);
    try {
      const answer = await (o.op === 'request' ? w.ledger.exportRequest(call, body, w.now) : w.ledger.exportReturn(call, body, w.now));
      if (o.by !== reg.key) log.push(`an export ${o.op} signed with device ${o.by}'s key was answered for device ${reg.key}'s registration`);
      reg.seq++;
      const held = await keysOf(w, reg.instance);
      if (JSON.stringify(answer.exportKeys.map((k) => k.feature)) !== JSON.stringify(held)) log.push('the answer differs from what License Central holds');
      if (o.op === 'return' && held.length) log.push('a return left the key held');
      if (o.op === 'request' && held.length) outcomes.granted++;
    } catch (e) {
      if (!isSlrError(e)) throw e;
      if (o.by === reg.key && e.code !== 'no-licenses') throw e;
      if (JSON.stringify(await keysOf(w, reg.instance)) !== JSON.stringify(before)) log.push(`a refused export ${o.op} changed the keys held`);
      if (o.by === reg.key) reg.seq++;
      outcomes[o.by === reg.key ? 'none-left' : 'wrong-key']++;
    }
  } else {
    // SLR: the device (not registered online: the two exclude each other) asks for export keys by a request code.
    if (w.online[o.device]) return;
    if (!device.state.reservationEnabled) device.run({ type: 'enable' }, w.now);
    const request = device.run({ type: 'request' }, w.now).issued?.code;
    if (!request) return;
    await w.ledger.reserve({ account: 'Default', request, licenses: { UCM_Export_Key: o.count } }, w.now).catch((e: unknown) => {
      if (!isSlrError(e) || !['shortfall', 'instance-exists', 'request-used'].includes(e.code)) throw e;
    });
  }
}

async function promises(w: World): Promise<string[]> {
  const problems = await checkInvariants(w.ledger);
  const registered = await w.ledger.registeredInstances(w.now);
  const granted = registered.reduce((n, r) => n + r.exportKeys.length, 0);
  for (const r of registered) if (r.exportKeys.length > 1) problems.push(`registration ${r.instance} holds ${r.exportKeys.length} export keys for one feature`);
  const line = (await w.ledger.licenses(w.now)).find((l) => l.short === 'UCM_Export_Key');
  const reserved = (await w.ledger.instances()).reduce((n, i) => n + (i.reserved.UCM_Export_Key ?? 0) + (i.inTransition.UCM_Export_Key ?? 0), 0);
  if (granted + reserved > BOUGHT) problems.push(`${granted} export keys granted online and ${reserved} reserved, of ${BOUGHT} bought`);
  if (line && line.purchased - line.available !== granted + reserved)
    problems.push(`the Licenses table shows ${line.purchased - line.available} in use, ${granted} granted and ${reserved} reserved`);
  for (const [i, reg] of w.online.entries()) {
    const row = registered.find((r) => r.udi === formatUdi(w.devices[i]!.udi));
    if (reg && row?.instance !== reg.instance) problems.push(`device ${i}'s registration is not the one the model made`);
  }
  return problems;
}

describe('export control online in the adversarial model', () => {
  it('never grants a license twice, never lets another key act, never leaves a key with an ended registration', async () => {
    let steps = 0;
    const done = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 40 }), async (ops) => {
        const w = await world();
        try {
          for (const o of ops) {
            const log: string[] = [];
            await step(w, o, log);
            steps++;
            done.set(o.kind, (done.get(o.kind) ?? 0) + 1);
            expect([...log, ...(await promises(w))], `after ${JSON.stringify(o)}`).toEqual([]);
          }
        } finally {
          await w.ledger.close();
        }
      }),
      { numRuns: 150, seed: 2027 },
    );
    expect(steps).toBeGreaterThan(2500);
    for (const kind of ['register', 'deregister', 'takeover', 'export', 'reserve']) expect(done.get(kind) ?? 0, kind).toBeGreaterThan(50);
    for (const [how, n] of Object.entries(outcomes)) expect(n, how).toBeGreaterThan(10);
  });
});
