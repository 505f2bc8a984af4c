// The device's state against an operator who edits the file (with the CLI, a text editor and nothing else):
// every edit of what decides licensing (trust anchors, clocks, evaluation, counters, the reservation, the
// log) is refused as "changed outside SLR Desk", a log cut off at its end shows, a whole-file backup put back
// still loads, and `slr recover` makes the device usable again without giving back anything an edit bought.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRequestCode } from '../shared/codes/device-codes.ts';
import { canonicalJson, sealProblem } from '../shared/instance/seal.ts';
import { issue, lines, makeAuthorityKey, T0 } from './helpers/world.ts';
import { slr } from './helpers/cli.ts';

const DAY = 86_400_000;
type Saved = Record<string, unknown> & { events: { type: string; hash: string }[]; trustedKeys: unknown[] };

/** A device with a reservation of 5 UCM_Basic installed, signed by `key` (in a.pem beside its state). */
function reservedDevice() {
  const h = mkdtempSync(join(tmpdir(), 'slr-seal-'));
  const key = makeAuthorityKey();
  writeFileSync(join(h, 'a.pem'), key.publicKey);
  const run = (args: string[], at = T0 + 60_000) => slr(h, args, at);
  expect(run(['init', '--pid', 'UCM', '--trust', join(h, 'a.pem')]).status).toBe(0);
  run(['license', 'smart', 'reservation', 'enable']);
  const request = parseRequestCode(run(['--json', 'license', 'smart', 'reservation', 'request']).json<{ issued: { code: string } }>().issued.code);
  const code = issue(key, request, lines('UCM', { UCM_Basic: 5 }), { timestamp: T0 + 10 }).code;
  expect(run(['license', 'smart', 'reservation', 'install', code], T0 + 120_000).status).toBe(0);
  const file = join(h, 'product-instance.json');
  const read = () => JSON.parse(readFileSync(file, 'utf8')) as Saved;
  const write = (s: object) => writeFileSync(file, JSON.stringify(s, undefined, '\t'), { mode: 0o600 });
  return { h, key, run, file, read, write };
}

describe('the sealed device state', () => {
  it('refuses every edit that would buy licenses, time or trust, and names it; a backup of the whole file still loads', () => {
    const d = reservedDevice();
    const good = d.read();
    const attacker = makeAuthorityKey();
    const edits: [string, (s: Saved) => object][] = [
      [
        'a trusted key added',
        (s) => ({ ...s, trustedKeys: [...s.trustedKeys, { id: attacker.id, publicKey: attacker.publicKey, label: 'mine', addedAt: T0 }] }),
      ],
      ['evaluation given back', (s) => ({ ...s, evaluation: { startedAt: null, usedMs: 0 } })],
      ['clock set back', (s) => ({ ...s, clock: { ...(s.clock as object), highWater: T0, accountedTo: T0 } })],
      ['overage changed', (s) => ({ ...s, overage: { usedMs: 1 } })],
      ['usage changed', (s) => ({ ...s, usage: { UCM_Basic: 1 } })],
      ['an event changed', (s) => ({ ...s, events: s.events.map((e, i) => (i === 1 ? { ...e, type: 'other' } : e)) })],
    ];
    for (const [what, edit] of edits) {
      d.write(edit(good));
      const r = d.run(['--json', 'show', 'license', 'status']);
      expect(r.status, what).toBe(1);
      expect(r.json<{ error: { code: string; message: string } }>().error, what).toMatchObject({
        code: 'state-tampered',
        message: expect.stringMatching(/was changed outside SLR Desk: its content does not match its seal/),
      });
      // Refused before anything runs: no command writes over the edit.
      expect(d.run(['license', 'usage', 'UCM_Basic', '3']).status, what).toBe(1);
    }
    // The seal removed altogether (or a state from before seals): refused the same way, saying so.
    const { seal: _seal, ...unsealed } = good;
    d.write(unsealed);
    expect(d.run(['show', 'license', 'status']).stderr).toMatch(/carries no seal/);
    // Key order and indentation are not content: the same state written otherwise loads.
    writeFileSync(d.file, JSON.stringify(Object.fromEntries(Object.entries(good).reverse())));
    expect(d.run(['show', 'license', 'status']).status).toBe(0);
    // A backup of the whole file put back is the device's own state, sealed by its key: it loads.
    writeFileSync(d.file, JSON.stringify(good));
    expect(d.run(['show', 'license', 'status']).stdout).toContain('Registered - Specific License Reservation');
  });

  it('shows a log cut off at its end, which the chain alone cannot, and names a changed event', () => {
    const d = reservedDevice();
    const good = d.read();
    expect(d.run(['show', 'license', 'events', '--verify']).status).toBe(0);
    d.write({ ...good, events: good.events.slice(0, -2) });
    const cut = d.run(['--json', 'show', 'license', 'events', '--verify']);
    expect(cut.status).toBe(1);
    expect(cut.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'log-tampered',
      message: expect.stringMatching(/chain is intact, but .*2 events were removed from the end of its log/),
    });
    d.write({ ...good, events: good.events.map((e, i) => (i === 2 ? { ...e, type: 'edited' } : e)) });
    expect(d.run(['show', 'license', 'events', '--verify']).stderr).toMatch(/event 3 of \d+ .*does not follow/);
    // The seal's own check, pure: the same state, its events cut, fails on the count before the MAC.
    expect(sealProblem({ ...good, events: good.events.slice(0, -1) }, () => 'x')).toMatch(/1 event was removed/);
    expect(canonicalJson({ b: 1, a: [{ d: undefined, c: 2 }] })).toBe('{"a":[{"c":2}],"b":1}');
  });

  it('recovers a changed state: identity, key, usage and log kept, trust provisioned again, no evaluation back, the reservation kept if its code verifies', () => {
    const d = reservedDevice();
    const good = d.read();
    const udi = d.run(['show', 'license', 'udi']).stdout.trim();
    // An intact state has nothing to recover.
    expect(d.run(['recover', '--trust', join(d.h, 'a.pem')]).stderr).toMatch(/matches its seal: there is nothing to recover/);
    const attacker = makeAuthorityKey();
    d.write({
      ...good,
      trustedKeys: [{ id: attacker.id, publicKey: attacker.publicKey, label: 'mine', addedAt: T0 }],
      evaluation: { startedAt: null, usedMs: 0 },
    });
    const r = d.run(['--json', 'recover', '--trust', join(d.h, 'a.pem')], T0 + 2 * DAY);
    expect(r.status, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ ok: true, problem: 'its content does not match its seal', trustedKeys: [d.key.id], reservationKept: true });
    const st = d.run(['--json', 'show', 'license', 'status'], T0 + 2 * DAY).json<{ udi: string; registration: string; evaluation: { expired: boolean } }>();
    expect(st).toMatchObject({ udi, registration: 'Registered - Specific License Reservation', evaluation: { expired: true } });
    const verify = d.run(['show', 'license', 'events', '--verify'], T0 + 2 * DAY);
    expect(verify.status).toBe(0);
    // The log goes on from where it was: the recovery, then the key provisioned again.
    expect(
      d
        .read()
        .events.slice(good.events.length)
        .map((e) => e.type),
    ).toEqual(['state-recovered', 'trust-add']);
    // Recovered without the key that signed the reservation: the reservation is dropped, and said so.
    d.write({ ...d.read(), usage: { UCM_Basic: 2 } });
    const bare = d.run(['recover'], T0 + 3 * DAY);
    expect(bare.status).toBe(0);
    expect(bare.stdout).toMatch(/No reservation is installed now: License Central still holds/);
    expect(d.run(['--json', 'show', 'license', 'status'], T0 + 3 * DAY).json<{ registration: string }>().registration).toBe('Unregistered');
  });
});
