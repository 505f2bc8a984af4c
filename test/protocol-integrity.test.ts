// Regression tests for the attacks of the protocol-integrity issue, each as it was reproduced: with the real
// CLI on both sides (own --home each, codes carried as files), or on the engine where the attack is a
// code altered in transit.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SLR, slr } from './helpers/cli.ts';
import { makeConfirmationCode, makeRequestCode, parseRequestCode } from '../shared/codes/device-codes.ts';
import { productById } from '../shared/catalog.ts';
import { compressedPublicKey, generateKeyPair } from '../electron/platform/crypto.ts';
import { scaled } from './helpers/time-scale.ts';

const T = Date.UTC(2026, 2, 1, 9, 0, 0);
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `slr-${name}-`));
type Json = { ok: boolean; issued?: { code: string } | null; error?: { code: string; message: string; hint: string | null }; released?: number };

function world() {
  const auth = tmp('authority');
  const usb = tmp('usb');
  let clock = 0;
  const now = () => T + ++clock * 60_000;
  const run = (home: string, args: string[]) => slr(home, ['--json', ...args], now());
  const a = (...args: string[]) => run(auth, ['authority', ...args]);
  const ok = (r: ReturnType<typeof slr>) => {
    if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stdout} ${r.stderr}`);
    return r.json<Json>();
  };
  ok(a('init', '--account', 'Acme'));
  ok(a('key', 'export', '--out', join(usb, 'license-central.pem')));
  ok(a('license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '10'));
  const device = () => {
    const home = tmp('device');
    const d = (...args: string[]) => run(home, args);
    ok(d('init', '--pid', 'UCM', '--trust', join(usb, 'license-central.pem')));
    const sn = ok(d('show', 'license', 'udi')) as unknown as { udi: string };
    const request = () => {
      if (!d('show', 'license', 'status').json<{ reservationEnabled: boolean }>().reservationEnabled) ok(d('license', 'smart', 'reservation', 'enable'));
      return ok(d('license', 'smart', 'reservation', 'request')).issued!.code;
    };
    return { home, d, udi: sn.udi, request };
  };
  const file = (name: string, text: string) => {
    writeFileSync(join(usb, name), text);
    return join(usb, name);
  };
  return { auth, usb, a, ok, device, file, now };
}

const codeOf = (r: ReturnType<typeof slr>) => r.json<{ code: string }>().code;
/** A well-formed confirmation code (its typo check passes) that no device made. */
const wrongConfirmation = (seed: number) => makeConfirmationCode(new Uint8Array(32).fill(seed), { ran: 0, anchors: 0 });

describe('attack 1: oversell by returning an older code', () => {
  it('a code of a reservation the device gave back never installs again, so the pool cannot be oversold', () => {
    const { a, ok, device, file } = world();
    const dev = device();
    const t1 = codeOf(a('reserve', '--account', 'Default', '--request', dev.request(), '--license', 'UCM_Basic=4'));
    ok(dev.d('license', 'smart', 'reservation', 'install', t1));
    const t2 = codeOf(a('update', '--instance', dev.udi, '--license', 'UCM_Basic=8'));
    const ret = ok(dev.d('license', 'smart', 'reservation', 'return')).issued!.code;
    expect(ok(a('remove', '--instance', dev.udi, '--return-code', ret)).released).toBe(8);
    // The device requests again and tries the update code of the reservation it gave back.
    dev.request();
    const r = dev.d('license', 'smart', 'reservation', 'install-file', file('t2.txt', t2));
    expect(r.status).toBe(1);
    expect(r.json<Json>().error!.code).toBe('reservation-closed');
    expect(r.json<Json>().error!.message).toMatch(/reservation this device has given back/);
    expect(dev.d('show', 'license', 'status').json<{ registration: string }>().registration).toBe('Reservation In Progress');
  });

  it('the same with return-authorization of the first code: the later update of that reservation is dead', () => {
    const { a, ok, device } = world();
    const dev = device();
    const t1 = codeOf(a('reserve', '--account', 'Default', '--request', dev.request(), '--license', 'UCM_Basic=4'));
    const t2 = codeOf(a('update', '--instance', dev.udi, '--license', 'UCM_Basic=8'));
    const ret = ok(dev.d('license', 'smart', 'reservation', 'return-authorization', t1)).issued!.code;
    expect(ok(a('remove', '--instance', dev.udi, '--return-code', ret)).released).toBe(8);
    dev.request();
    expect(dev.d('license', 'smart', 'reservation', 'install', t2).json<Json>().error!.code).toBe('reservation-closed');
  });

  it('a request code is used once: entered again after its reservation was removed, it is refused', () => {
    const { a, ok, device } = world();
    const dev = device();
    const request = dev.request();
    const t1 = codeOf(a('reserve', '--account', 'Default', '--request', request, '--license', 'UCM_Basic=1'));
    const ret = ok(dev.d('license', 'smart', 'reservation', 'return-authorization', t1)).issued!.code;
    ok(a('remove', '--instance', dev.udi, '--return-code', ret));
    const again = a('reserve', '--account', 'Default', '--request', request, '--license', 'UCM_Basic=1');
    expect(again.status).toBe(1);
    expect(again.json<Json>().error!.code).toBe('request-used');
  });
});

describe('attack 2: a request code altered in transit', () => {
  it('the device refuses a code reserved against a swapped key, says so, and its reservation can be rehosted to a fresh request', () => {
    const { a, ok, device } = world();
    const dev = device();
    const genuine = dev.request();
    const parsed = parseRequestCode(genuine);
    const thief = compressedPublicKey(generateKeyPair().publicKey);
    const altered = makeRequestCode(productById('UCM')!, parsed.udi.uuid, thief, parsed.nonce, parsed.digest!);
    const code = codeOf(a('reserve', '--account', 'Default', '--request', altered, '--license', 'UCM_Basic=6'));
    const r = dev.d('license', 'smart', 'reservation', 'install', code);
    expect(r.status).toBe(1);
    expect(r.json<Json>().error!.code).toBe('altered-request');
    expect(r.json<Json>().error!.message).toMatch(/whose key, state digest or cluster nodes are not this device's: it was altered in transit/);
    // Nor can the device give that code back (its return code would be a code for the thief's key).
    expect(dev.d('license', 'smart', 'reservation', 'return-authorization', code).json<Json>().error!.code).toBe('altered-request');
    // License Central rehosts the reservation to a new request from the same device; the device installs it.
    const fresh = ok(dev.d('license', 'smart', 'reservation', 'cancel')) && dev.request();
    const rehosted = codeOf(a('rehost', '--instance', dev.udi, '--request', fresh, '--reason', 'request code altered in transit'));
    ok(dev.d('license', 'smart', 'reservation', 'install', rehosted));
    expect(dev.d('show', 'license', 'status').json<{ registration: string }>().registration).toBe('Registered - Specific License Reservation');
  });
});

describe('what no offline scheme stops, the authority notices at the next exchange', () => {
  it('a device restored from a backup after its return shows its reservation again; its return code then tells License Central', () => {
    const { a, ok, device } = world();
    const dev = device();
    ok(
      dev.d('license', 'smart', 'reservation', 'install', codeOf(a('reserve', '--account', 'Default', '--request', dev.request(), '--license', 'UCM_Basic=3'))),
    );
    const state = join(dev.home, 'product-instance.json');
    const backup = readFileSync(state);
    ok(a('remove', '--instance', dev.udi, '--return-code', ok(dev.d('license', 'smart', 'reservation', 'return')).issued!.code));
    writeFileSync(state, backup, { mode: 0o600 });
    // The restored device runs the returned reservation again: nothing offline can stop that.
    expect(dev.d('show', 'license', 'status').json<{ registration: string }>().registration).toBe('Registered - Specific License Reservation');
    // But whatever code it brings next gives it away.
    const again = a('remove', '--instance', dev.udi, '--return-code', ok(dev.d('license', 'smart', 'reservation', 'return')).issued!.code);
    expect(again.status).toBe(1);
    expect(again.json<Json>().error!.code).toBe('replayed-code');
    expect(again.json<Json>().error!.message).toMatch(/restored from a backup/);
    expect(
      a('show', 'events')
        .json<{ events: { type: string }[] }>()
        .events.map((e) => e.type),
    ).toContain('restored-device');
  });
});

describe('attack 3: the operator trusts a key of their own', () => {
  it("a provisioned device refuses an unendorsed key (exit 1), accepts License Central's endorsed next key, and keeps its last key", () => {
    const { a, ok, device, usb } = world();
    const dev = device();
    const rogue = tmp('rogue');
    ok(slr(rogue, ['--json', 'authority', 'init', '--account', 'Rogue'], T));
    ok(slr(rogue, ['--json', 'authority', 'key', 'export', '--out', join(usb, 'rogue.pem')], T));
    const r = dev.d('license', 'trust', 'add', join(usb, 'rogue.pem'));
    expect(r.status).toBe(1);
    expect(r.json<Json>().error!.code).toBe('key-not-endorsed');
    expect(r.json<Json>().error!.hint).toMatch(/slr authority key export/);
    // A key file whose endorsement was tampered with is refused too.
    ok(a('key', 'add'));
    ok(a('key', 'export', '--out', join(usb, 'next.pem')));
    const text = readFileSync(join(usb, 'next.pem'), 'utf8');
    const forged = text.replace(/(-----BEGIN SLR DESK ENDORSEMENT-----\n)(.)/, (_, head: string, c: string) => head + (c === 'M' ? 'N' : 'M'));
    writeFileSync(join(usb, 'forged.pem'), forged);
    expect(dev.d('license', 'trust', 'add', join(usb, 'forged.pem')).json<Json>().error!.code).toMatch(/endorsement-invalid|bad-key/);
    // The rogue key's file with a chain that starts at it is not endorsed by the trusted key either.
    expect(ok(dev.d('license', 'trust', 'add', join(usb, 'next.pem'))).ok).toBe(true);
    const keys = dev.d('license', 'trust', 'list').json<{ trustedKeys: { id: string }[] }>().trustedKeys;
    expect(keys).toHaveLength(2);
    expect(ok(dev.d('license', 'trust', 'remove', keys[0]!.id)).ok).toBe(true);
    const last = dev.d('license', 'trust', 'remove', keys[1]!.id);
    expect(last.status).toBe(1);
    expect(last.json<Json>().error!.code).toBe('last-key');
    // A code signed by the rogue authority is still untrusted.
    const req = dev.request();
    ok(slr(rogue, ['--json', 'authority', 'license', 'add', '--account', 'Default', '--tag', 'UCM_CUWL', '--count', '9999999'], T));
    const rogueCode = slr(rogue, ['--json', 'authority', 'reserve', '--account', 'Default', '--request', req, '--license', 'UCM_CUWL=9999999'], T).json<{
      code: string;
    }>().code;
    expect(dev.d('license', 'smart', 'reservation', 'install', rogueCode).json<Json>().error!.code).toBe('untrusted');
  });

  it('the first trust add of a device that trusts no key provisions it; init --trust provisions several', () => {
    const { ok, usb } = world();
    const home = tmp('device');
    ok(slr(home, ['--json', 'init', '--pid', 'UCM'], T));
    expect(ok(slr(home, ['--json', 'license', 'trust', 'add', join(usb, 'license-central.pem')], T + 1)).ok).toBe(true);
    const other = tmp('other');
    ok(slr(other, ['--json', 'authority', 'init', '--account', 'Other'], T));
    ok(slr(other, ['--json', 'authority', 'key', 'export', '--out', join(usb, 'other.pem')], T));
    const two = tmp('device');
    const r = ok(
      slr(two, ['--json', 'init', '--pid', 'CUC', '--trust', join(usb, 'license-central.pem'), '--trust', join(usb, 'other.pem')], T),
    ) as unknown as { trustedKeys: string[] };
    expect(r.trustedKeys).toHaveLength(2);
  });
});

describe('attacks 4 and 5: the clock', () => {
  it('a clock set back gains nothing, refusals and reads included, and is logged once', () => {
    const home = tmp('device');
    const run = (when: string, ...args: string[]) => slr(home, ['--json', ...args], when);
    expect(run('2026-01-01T00:00:00Z', 'init', '--pid', 'UCM').status).toBe(0);
    expect(run('2026-01-01T00:00:00Z', 'license', 'usage', 'UCM_Basic', '3').status).toBe(0);
    const refused = run('2026-05-01T00:00:00Z', 'license', 'usage', 'UCM_Basic', '5');
    expect(refused.status).toBe(1);
    expect(refused.json<Json>().error!.code).toBe('enforced');
    const back = run('2026-01-02T00:00:00Z', 'license', 'usage', 'UCM_Basic', '500');
    expect(back.status).toBe(1);
    expect(back.json<Json>().error!.code).toBe('enforced');
    run('2026-01-02T00:00:00Z', 'show', 'license', 'status');
    const events = run('2026-01-02T00:00:00Z', 'show', 'license', 'events').json<{ events: { type: string }[] }>().events;
    expect(events.filter((e) => e.type === 'clock-rollback')).toHaveLength(1);
    // A read alone records the time too: forward in a read, back in a write, still nothing gained.
    const other = tmp('device');
    slr(other, ['init', '--pid', 'UCM'], '2026-01-01T00:00:00Z');
    slr(other, ['license', 'usage', 'UCM_Basic', '1'], '2026-01-01T00:00:00Z');
    slr(other, ['show', 'license', 'status'], '2026-06-01T00:00:00Z');
    expect(slr(other, ['--json', 'license', 'usage', 'UCM_Basic', '2'], '2026-01-03T00:00:00Z').json<Json>().error!.code).toBe('enforced');
  });

  it('SLR_NOW outside the years 2000-2999 is bad input (exit 2) and never saved, on either side', () => {
    const home = tmp('device');
    expect(slr(home, ['init', '--pid', 'UCM'], T).status).toBe(0);
    for (const bad of ['9000000000000000', '1999-12-31T23:59:59Z', '3000-01-01T00:00:00Z', 'yesterday']) {
      const r = slr(home, ['--json', 'show', 'license', 'status'], bad);
      expect(r.status, bad).toBe(2);
      expect(r.json<Json>().error!.code).toBe('usage');
      expect(slr(home, ['authority', 'init', '--account', 'X'], bad).status).toBe(2);
    }
    const after = slr(home, ['--json', 'show', 'license', 'status'], T + 1000);
    expect(after.status).toBe(0);
    expect(after.json<{ clock: { effective: number } }>().clock.effective).toBe(T + 1000);
  });

  it('License Central refuses to sign with a clock behind its ledger, until an administrator accepts the clock (logged)', () => {
    const { a, auth, device } = world();
    const dev = device();
    const request = dev.request();
    const past = slr(auth, ['--json', 'authority', 'reserve', '--account', 'Default', '--request', request, '--license', 'UCM_Basic=1'], T - 86_400_000);
    expect(past.status).toBe(1);
    expect(past.json<Json>().error!.code).toBe('clock-behind');
    expect(past.json<Json>().error!.hint).toMatch(/clock accept/);
    expect(slr(auth, ['--json', 'authority', 'clock', 'accept', '--reason', 'clock ran ahead, put right'], T - 86_400_000).status).toBe(0);
    expect(
      slr(auth, ['--json', 'authority', 'reserve', '--account', 'Default', '--request', request, '--license', 'UCM_Basic=1'], T - 86_400_000 + 1000).status,
    ).toBe(0);
    expect(
      a('show', 'events')
        .json<{ events: { type: string }[] }>()
        .events.map((e) => e.type),
    ).toContain('clock-accept');
  });
});

describe('attack 6: the lockout', () => {
  it('20 parallel wrong codes get exactly 5 checks; then the instance is locked', { timeout: scaled(120_000) }, async () => {
    const { a, ok, device, auth, now } = world();
    const dev = device();
    codeOf(a('reserve', '--account', 'Default', '--request', dev.request(), '--license', 'UCM_Basic=1'));
    const when = now();
    const wrong = (i: number) =>
      new Promise<number>((resolve) => {
        const p = spawn(process.execPath, [SLR, '--home', auth, '--json', 'authority', 'confirm', '--instance', dev.udi, wrongConfirmation(i)], {
          env: { PATH: process.env.PATH, HOME: process.env.HOME, SLR_NOW: String(when) },
        });
        p.on('exit', (code) => resolve(code ?? -1));
      });
    const codes = await Promise.all(Array.from({ length: 20 }, (_, i) => wrong(i)));
    expect(codes.every((c) => c === 1 || c === 3)).toBe(true);
    const events = ok(a('show', 'events')) as unknown as { events: { type: string }[] };
    expect(events.events.filter((e) => e.type === 'wrong-code').length).toBeLessThanOrEqual(5);
    expect(events.events.filter((e) => e.type === 'wrong-code').length).toBe(5);
    expect(a('confirm', '--instance', dev.udi, wrongConfirmation(99)).json<Json>().error!.code).toBe('locked');
  });

  it('a replayed confirmation code is refused, counts as wrong, and never resets the count', () => {
    const { a, ok, device } = world();
    const dev = device();
    ok(
      dev.d('license', 'smart', 'reservation', 'install', codeOf(a('reserve', '--account', 'Default', '--request', dev.request(), '--license', 'UCM_Basic=4'))),
    );
    const confirmation = ok(dev.d('license', 'smart', 'reservation', 'install', codeOf(a('update', '--instance', dev.udi, '--license', 'UCM_Basic=2')))).issued!
      .code;
    expect(ok(a('confirm', '--instance', dev.udi, confirmation)).released).toBe(2);
    // 4 guesses + the old code, repeated, lock the instance.
    const other = wrongConfirmation(7);
    for (let round = 0; round < 2; round++) {
      const replay = a('confirm', '--instance', dev.udi, confirmation);
      expect(replay.status).toBe(1);
      if (round === 0) expect(replay.json<Json>().error!.code).toBe('replayed-code');
      for (let i = 0; i < 2; i++) a('confirm', '--instance', dev.udi, other);
    }
    expect(a('confirm', '--instance', dev.udi, confirmation).json<Json>().error!.code).toBe('locked');
  });
});

describe('attack 8: unbounded reads', () => {
  it('a FIFO, a device, a directory and a missing file are refused at once (exit 1), on every file argument', () => {
    const { device, usb, auth } = world();
    const dev = device();
    const fifo = join(usb, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const dir = join(usb, 'dir');
    mkdirSync(dir);
    for (const path of [fifo, '/dev/zero', '/dev/urandom', dir, join(usb, 'missing.txt')]) {
      for (const r of [
        dev.d('license', 'smart', 'reservation', 'install-file', path),
        dev.d('license', 'trust', 'add', path),
        slr(auth, ['--json', 'authority', 'reserve', '--account', 'Default', '--request', `@${path}`, '--license', 'UCM_Basic=1'], T + 10_000_000),
        slr(tmp('device'), ['--json', 'init', '--pid', 'UCM', '--trust', path], T),
      ]) {
        expect(r.status, `${path}: ${r.stderr}`).toBe(1);
        expect(r.json<Json>().error!.code).toMatch(/^file$|code-too-large/);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
    }
  });

  it('a file larger than the bound is refused while reading', () => {
    const { device, usb } = world();
    const dev = device();
    const big = join(usb, 'big.txt');
    writeFileSync(big, 'x'.repeat(1_048_577));
    expect(dev.d('license', 'smart', 'reservation', 'install-file', big).json<Json>().error!.code).toBe('code-too-large');
  });
});

describe('a code damaged on the way', () => {
  it('is refused naming both causes a device cannot tell apart (a new key, or damage), not as another License Central’s', () => {
    const { a, d0 } = ((w) => ({ ...w, d0: w.device() }))(world());
    const code = codeOf(a('reserve', '--account', 'Default', '--request', d0.request(), '--license', 'UCM_Basic=2'));
    // What a PDF's text extraction or a retyping may do: a character changed inside what is signed.
    const damaged = code.replace('<count>2</count>', '<count>3</count>');
    const r = d0.d('license', 'smart', 'reservation', 'install', damaged).json<Json>();
    expect(r.error).toMatchObject({
      code: 'untrusted',
      message: expect.stringMatching(/made for this device's current request, but its signature does not verify[\s\S]*damaged on the way/),
      hint: expect.stringMatching(/slr license trust add <file>[\s\S]*slr authority code --instance SN/),
    });
    expect(d0.d('license', 'smart', 'reservation', 'install', code).status).toBe(0);
  });
});
