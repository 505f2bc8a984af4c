// The witness for devices registered online (issue 30): every answer to a renewal or a usage report carries a
// checkpoint of License Central's log, signed and bound to the call; the device keeps the latest per key and
// refuses an answer of a License Central restored from an older backup (its log shorter than one the device
// saw) or of a copy that went its own way (another head at the same length); its calls name what it saw, so
// the restored ledger logs that it is behind (once per finding). A checkpoint altered, moved to another call,
// or signed by a key the device does not trust is not taken as one.
import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { openLedger, type Ledger } from '../electron/authority/ledger.ts';
import { verifyingCrypto } from '../electron/platform/crypto.ts';
import { parseKeyFile } from '../shared/codes/key-file.ts';
import { witnessesAfterAnswer } from '../shared/instance/witness.ts';
import type { InstanceState } from '../shared/instance/state.ts';
import type { OnlineCheckpoint } from '../shared/registration/online-checkpoint.ts';
import { keyId } from '../electron/platform/crypto.ts';
import { registerInput, signedCall } from './helpers/register.ts';
import { makeDevice, refusal, type Device } from './helpers/world.ts';
import { scratchDirs } from './helpers/scratch.ts';

const scratch = scratchDirs('slr-online-witness-');
const T = Date.UTC(2026, 10, 20, 8);
const FP = 'AB:'.repeat(31) + 'AB';

const open: Ledger[] = [];
afterEach(async () => {
  for (const l of open.splice(0)) await l.close();
});

async function world() {
  const dir = scratch();
  const ledger = await openLedger({ dir, actor: 'admin' }, true);
  open.push(ledger);
  await ledger.init('Acme', T);
  await ledger.addAccount('Lab', T);
  await ledger.addLicenses({ account: 'Lab', tag: 'UCM_Basic', count: 5 }, T);
  const keys = parseKeyFile((await ledger.exportKey()).file).map((k) => ({ id: keyId(k.publicKey), publicKey: k.publicKey }));
  const device = makeDevice('UCM', T, keys);
  const token = (await ledger.createToken({ account: 'Lab', server: 'https://lc.example:8443', fingerprint: FP }, T)).token;
  const { instance } = await ledger.register(registerInput(device, token, { trustedKeyIds: keys.map((k) => k.id) }), T);
  return { dir, ledger, device, instance, seq: 0 };
}

type World = Awaited<ReturnType<typeof world>>;

/** The device's renewal through `ledger`, naming what it saw; its answer taken as the device takes it (or refused). */
async function renew(w: World, ledger: Ledger, at: number): Promise<{ cp: OnlineCheckpoint; seq: number; take: () => void }> {
  const seq = ++w.seq;
  const seen = (w.device.state.witness ?? []).map(({ keyId, events, head }) => ({ keyId, events, head }));
  const answer = await ledger.renewAuthorization(
    signedCall(w.device.privateKey, w.instance, seq, 'device-renew-auth', seen.length ? { witness: seen } : {}),
    at,
  );
  const cp = answer.checkpoint;
  return {
    cp,
    seq,
    take: () => {
      w.device.state = { ...w.device.state, witness: witnessesAfterAnswer(w.device.state, cp, { instance: w.instance, seq }, verifyingCrypto, at) };
    },
  };
}

const take = (state: InstanceState, cp: OnlineCheckpoint | undefined, instance: string, seq: number) =>
  refusal(() => witnessesAfterAnswer(state, cp, { instance, seq }, verifyingCrypto, T));

describe('the witness of a device registered online', () => {
  it('keeps the latest checkpoint of each answer, and refuses a License Central restored from an older backup, which learns it is behind', async () => {
    const w = await world();
    (await renew(w, w.ledger, T + 1000)).take();
    const first = w.device.state.witness![0]!;
    expect(first.events).toBeGreaterThan(0);
    const backup = join(scratch(), 'lc.sqlite');
    await w.ledger.backup(backup, T + 2000);
    for (const at of [T + 3000, T + 3100, T + 3200]) await w.ledger.addLicenses({ account: 'Lab', tag: 'UCM_Basic', count: 1 }, at);
    (await renew(w, w.ledger, T + 4000)).take();
    const seen = w.device.state.witness![0]!;
    expect(seen.events).toBeGreaterThan(first.events);
    // The ledger restored from the backup (it logs that it was, at its first change): its answer comes with a shorter log.
    const restoredDir = scratch();
    copyFileSync(backup, join(restoredDir, 'authority.sqlite'));
    const restored = await openLedger({ dir: restoredDir, actor: 'admin' });
    open.push(restored);
    const answer = await renew(w, restored, T + 5000);
    expect(answer.cp.echo).toEqual({ events: seen.events, head: null });
    const e = refusal(answer.take);
    expect(e.code).toBe('authority-rolled-back');
    expect(e.message).toMatch(new RegExp(`its log has ${answer.cp.events} events, and this device saw ${seen.events}`));
    expect(e.hint).toMatch(/restore the latest backup/);
    expect(w.device.state.witness![0]).toEqual(seen);
    // The restored ledger learned it from the call: logged once, however often the device calls. Its log grows past
    // the position the device saw; the event there is not the one the device saw, and its answers are still refused.
    for (let i = 0; i < 4; i++) await restored.addAccount(`Later ${i}`, T + 5500 + i);
    const later = await renew(w, restored, T + 6000);
    expect(later.cp.events).toBeGreaterThan(seen.events);
    expect(refusal(later.take).code).toBe('authority-forked');
    await renew(w, restored, T + 7000);
    const behind = (await restored.events()).filter((x) => x.type === 'ledger-behind').map((x) => x.message);
    expect(behind).toEqual([
      expect.stringMatching(new RegExp(`has seen this License Central's log at ${seen.events} events .*this ledger has \\d+: it went back`)),
      expect.stringMatching(new RegExp(`has seen another event ${seen.events} in this License Central's log than this ledger holds`)),
    ]);
    // The ledger that was not restored never says so.
    expect((await w.ledger.events()).some((x) => x.type === 'ledger-behind')).toBe(false);
  });

  it('refuses the answer of a copy that went its own way: another event at the same length', async () => {
    const w = await world();
    const backup = join(scratch(), 'lc.sqlite');
    await w.ledger.backup(backup, T + 500);
    await w.ledger.addLicenses({ account: 'Lab', tag: 'UCM_Basic', count: 1 }, T + 600);
    (await renew(w, w.ledger, T + 1000)).take();
    const seen = w.device.state.witness![0]!;
    const copyDir = scratch();
    copyFileSync(backup, join(copyDir, 'authority.sqlite'));
    const copy = await openLedger({ dir: copyDir, actor: 'admin' });
    open.push(copy);
    // The copy logs other things in place of the original's events, as far as the device saw and beyond.
    for (let i = 0; (await copy.events()).length < seen.events; i++) await copy.addAccount(`Elsewhere ${i}`, T + 700 + i);
    const answer = await renew(w, copy, T + 2000);
    expect(answer.cp.echo).toEqual({ events: seen.events, head: expect.not.stringMatching(seen.head) });
    expect(refusal(answer.take).code).toBe('authority-forked');
    expect((await copy.events()).filter((x) => x.type === 'ledger-behind').map((x) => x.message)).toEqual([
      expect.stringMatching(/has seen another event \d+ in this License Central's log than this ledger holds/),
    ]);
  });

  it('takes no checkpoint altered, moved to another call, or of a key it does not trust; an answer without one changes nothing', async () => {
    const w = await world();
    const { cp, seq } = await renew(w, w.ledger, T + 1000);
    const state = w.device.state;
    for (const altered of [
      { ...cp, events: cp.events + 5 },
      { ...cp, head: 'ab'.repeat(32) },
      { ...cp, signature: cp.signature.slice(0, -4) + 'AAA=' },
    ])
      expect(take(state, altered, w.instance, seq).code).toBe('untrusted');
    expect(take(state, cp, w.instance, seq + 1).code).toBe('untrusted');
    expect(take(state, cp, String(Number(w.instance) + 1), seq).code).toBe('untrusted');
    // A key the device does not trust (added at License Central, not yet imported here): not kept, not refused.
    const stranger: Device = makeDevice('UCM', T);
    expect(witnessesAfterAnswer(stranger.state, cp, { instance: w.instance, seq }, verifyingCrypto, T)).toEqual([]);
    expect(witnessesAfterAnswer(state, undefined, { instance: w.instance, seq }, verifyingCrypto, T)).toEqual(state.witness ?? []);
    // A checkpoint that does not echo the position the device saw (the device named it) is not taken either.
    const known = { ...state, witness: witnessesAfterAnswer(state, cp, { instance: w.instance, seq }, verifyingCrypto, T) };
    expect(take(known, { ...cp, echo: null }, w.instance, seq).code).toBe('untrusted');
    // The same log again (no event since, the call naming it): kept as first seen.
    const taken = await renew(w, w.ledger, T + 1000);
    taken.take();
    const kept = w.device.state.witness!;
    const again = await renew(w, w.ledger, T + 9000);
    expect(again.cp.events).toBe(kept[0]!.events);
    expect(again.cp.echo).toEqual({ events: kept[0]!.events, head: kept[0]!.head });
    again.take();
    expect(w.device.state.witness).toBe(kept);
  });
});
