import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { AUTHORIZATION, REGISTRATION } from '../shared/instance/state.ts';
import { deriveStatus } from '../shared/instance/status.ts';
import { verifyConfirmationCode, verifyReturnCode } from '../shared/authority/issue.ts';
import { parseAuthorizationCode } from '../shared/codes/authorization-code.ts';
import { parseRequestCode } from '../shared/codes/device-codes.ts';
import { productById } from '../shared/catalog.ts';
import { days, issue, lines, makeAuthorityKey, makeDevice, refFor, refusal, T0, type Device } from './helpers/world.ts';

const status = (d: Device, at: number) => deriveStatus(d.state, at);

function reservedDevice(ents = lines('UCM', { UCM_Basic: 5, UCM_Enhanced: 2 }), at = T0) {
  const key = makeAuthorityKey();
  const device = makeDevice('UCM', at, [key]);
  device.run({ type: 'enable' }, at);
  device.run({ type: 'request' }, at);
  const first = issue(key, device, ents, { timestamp: at + 1000 });
  device.run({ type: 'install', code: first.code }, at + 2000);
  return { key, device, first };
}

describe('a whole exchange: request → install → update → confirmation → return', () => {
  it("moves through the seeds' statuses and yields codes the authority verifies offline", () => {
    const key = makeAuthorityKey();
    const device = makeDevice('UCM', T0, [key]);
    expect(status(device, T0).registration).toBe(REGISTRATION.unregistered);
    expect(status(device, T0).authorization).toBe(AUTHORIZATION.evaluation);

    expect(device.run({ type: 'enable' }, T0).message).toBe('License reservation mode is enabled successfully.');
    const req = device.run({ type: 'request' }, T0 + 1);
    expect(req.issued?.kind).toBe('request');
    expect(status(device, T0 + 1).registration).toBe(REGISTRATION.inProgress);
    const request = parseRequestCode(req.issued!.code);
    expect(request.udi).toEqual(device.udi);
    expect([...request.devicePublicKey]).toEqual([...device.publicKey]);

    const piid = device.state.reservation!.piid;
    const first = issue(key, request, lines('UCM', { UCM_Basic: 5 }), { piid, timestamp: T0 + 100 });
    const installed = device.run({ type: 'install', code: first.code }, T0 + 200);
    expect(installed.message).toBe('Authorization code installed successfully.');
    expect(installed.issued).toBeUndefined();
    expect(status(device, T0 + 200).registration).toBe(REGISTRATION.registered);
    expect(status(device, T0 + 200).authorization).toBe(AUTHORIZATION.noLicenses);

    device.run({ type: 'usage', tag: 'UCM_Basic', count: 5 }, T0 + 300);
    expect(status(device, T0 + 300).authorization).toBe(AUTHORIZATION.authorized);

    const update = issue(key, request, lines('UCM', { UCM_Basic: 3, UCM_CUWL: 1 }), { piid, timestamp: T0 + 400 });
    const updated = device.run({ type: 'install', code: update.code }, T0 + 500);
    expect(updated.issued?.kind).toBe('confirmation');
    expect(
      verifyConfirmationCode(updated.issued!.code, [refFor(key, device, piid, T0 + 400), refFor(key, device, piid, T0 + 100)], key.crypto).ref.timestamp,
    ).toBe(T0 + 400);
    expect(status(device, T0 + 500).authorization).toBe(AUTHORIZATION.notAuthorized);

    const ret = device.run({ type: 'return' }, T0 + 600);
    expect(ret.issued?.kind).toBe('return');
    expect(verifyReturnCode(ret.issued!.code, [refFor(key, device, piid, T0 + 400)], key.crypto).ref.piid).toBe(piid);
    const s = status(device, T0 + 600);
    expect(s.registration).toBe(REGISTRATION.unregistered);
    expect(s.authorization).toBe(AUTHORIZATION.evaluation);
    expect(device.state.lastReturn?.code).toBe(ret.issued!.code);
    expect(device.state.events.map((e) => e.type)).toEqual(['init', 'trust-add', 'enable', 'request', 'install', 'usage', 'update', 'return']);
  });

  it('return-authorization gives back a code that was never installed, and that code can then not be installed', () => {
    const key = makeAuthorityKey();
    const device = makeDevice('UCM', T0, [key]);
    device.run({ type: 'enable' }, T0);
    device.run({ type: 'request' }, T0);
    const { code, piid, timestamp } = issue(key, device, lines('UCM', { UCM_Basic: 5 }), { timestamp: T0 + 10 });
    const out = device.run({ type: 'return-authorization', code }, T0 + 20);
    expect(verifyReturnCode(out.issued!.code, [refFor(key, device, piid, timestamp)], key.crypto).ref.piid).toBe(piid);
    expect(device.state.registration).toBe(REGISTRATION.unregistered);
    device.run({ type: 'request' }, T0 + 30);
    expect(refusal(() => device.run({ type: 'install', code }, T0 + 40)).code).toBe('reservation-closed');
  });
});

describe('codes are refused, and nothing changes', () => {
  function expectUnchanged(device: Device, fn: () => unknown, code: string) {
    const before = JSON.stringify(device.state);
    expect(refusal(fn).code).toBe(code);
    expect(JSON.stringify(device.state)).toBe(before);
  }

  it('tampering with any field breaks the signature', () => {
    const key = makeAuthorityKey();
    const device = makeDevice('UCM', T0, [key]);
    device.run({ type: 'enable' }, T0);
    device.run({ type: 'request' }, T0);
    const term = { start: T0 - days(10), end: T0 + days(300) };
    const { code } = issue(key, device, lines('UCM', { UCM_Basic: 5, UCM_Enhanced: 2 }, term), { timestamp: T0 + 5 });
    const parsed = parseAuthorizationCode(code);
    const tampered = [
      code.replace('<count>5</count>', '<count>6</count>'),
      code.replace('<count>2</count>', '<count>9999</count>'),
      code.replace(/<timestamp>\d+/, `<timestamp>${T0 + 6}`),
      code.replace(parsed.piid, randomUUID()),
      code.replace('UCM_Basic,12.0_ef827a2f-f4ae-4ebb-887f-052737063d3a', 'UCM_CUWL,12.0_cc59375a-1cd8-4b36-8366-6f4d2abba965'),
      code.replace(/<endDate>[^<]+/, '<endDate>2099-Dec-31 UTC'),
      code.replace(/<startDate>[^<]+/, '<startDate>2000-Jan-01 UTC'),
      code.replace('<licenseType>TERM</licenseType><displayName>UC Manager Basic', '<licenseType>TERM</licenseType><displayName>UC Manager Basic!'),
      code.replace(/<entitlement>.*?<\/entitlement>/, ''),
    ];
    for (const t of tampered) {
      expect(t).not.toBe(code);
      expectUnchanged(device, () => device.run({ type: 'install', code: t }, T0 + 10), 'untrusted');
    }
    device.run({ type: 'install', code }, T0 + 10);
    expect(device.state.registration).toBe(REGISTRATION.registered);
  });

  it('a code for another UDI (validly signed) is refused', () => {
    const key = makeAuthorityKey();
    const device = makeDevice('UCM', T0, [key]);
    const other = makeDevice('UCM', T0, [key]);
    device.run({ type: 'enable' }, T0);
    device.run({ type: 'request' }, T0);
    const { code } = issue(key, other, lines('UCM', { UCM_Basic: 1 }));
    expectUnchanged(device, () => device.run({ type: 'install', code }, T0 + 10), 'wrong-device');
  });

  it('a code for another product with the same UUID is refused', () => {
    const key = makeAuthorityKey();
    const device = makeDevice('UCM', T0, [key]);
    device.run({ type: 'enable' }, T0);
    device.run({ type: 'request' }, T0);
    const cuc = { udi: { ...device.udi, pid: 'CUC' } };
    const { code } = issue(key, cuc, lines('CUC', { CUC_BasicMessaging: 1 }));
    expectUnchanged(device, () => device.run({ type: 'install', code }, T0 + 10), 'wrong-device');
  });

  it('an older code after a newer one, the same code twice, and a code of another reservation are refused', () => {
    const { key, device, first } = reservedDevice();
    const newer = issue(key, device, lines('UCM', { UCM_Basic: 9 }), { piid: first.piid, timestamp: first.timestamp + 10 });
    device.run({ type: 'install', code: newer.code }, T0 + days(1));
    expectUnchanged(device, () => device.run({ type: 'install', code: first.code }, T0 + days(2)), 'replay');
    expectUnchanged(device, () => device.run({ type: 'install', code: newer.code }, T0 + days(2)), 'already-installed');
    const foreign = issue(key, device, lines('UCM', { UCM_Basic: 9 }), { piid: randomUUID(), timestamp: first.timestamp + 20 });
    expectUnchanged(device, () => device.run({ type: 'install', code: foreign.code }, T0 + days(2)), 'other-reservation');
  });

  it('a code signed by an untrusted key, or when no key is trusted, is refused', () => {
    const trusted = makeAuthorityKey();
    const rogue = makeAuthorityKey();
    const device = makeDevice('UCM', T0, [trusted]);
    device.run({ type: 'enable' }, T0);
    device.run({ type: 'request' }, T0);
    expectUnchanged(device, () => device.run({ type: 'install', code: issue(rogue, device, lines('UCM', { UCM_Basic: 1 })).code }, T0), 'untrusted');
    const lonely = makeDevice('UCM', T0, []);
    lonely.run({ type: 'enable' }, T0);
    lonely.run({ type: 'request' }, T0);
    const r = refusal(() => lonely.run({ type: 'install', code: issue(trusted, lonely, lines('UCM', { UCM_Basic: 1 })).code }, T0));
    expect(r.hint).toContain('slr license trust add');
  });

  it('a code with a license the product does not have is refused', () => {
    const key = makeAuthorityKey();
    const device = makeDevice('UCM', T0, [key]);
    device.run({ type: 'enable' }, T0);
    device.run({ type: 'request' }, T0);
    expectUnchanged(
      device,
      () => device.run({ type: 'install', code: issue(key, device, lines('CUC', { CUC_BasicMessaging: 1 })).code }, T0),
      'unknown-license',
    );
  });

  it('a return or confirmation code with one character changed, or from another device, does not verify', () => {
    const { key, device, first } = reservedDevice();
    const update = issue(key, device, lines('UCM', { UCM_Basic: 1 }), { piid: first.piid, timestamp: first.timestamp + 1 });
    const confirmation = device.run({ type: 'install', code: update.code }, T0 + 10).issued!.code;
    const ret = device.run({ type: 'return' }, T0 + 20).issued!.code;
    const ref = refFor(key, device, first.piid, update.timestamp);
    const flip = (code: string, i: number) => code.slice(0, i) + (code[i] === 'A' ? 'B' : 'A') + code.slice(i + 1);
    for (let i = 0; i < ret.length; i++) if (ret[i] !== '-') expect(refusal(() => verifyReturnCode(flip(ret, i), [ref], key.crypto)).code).toBe('code-typo');
    for (let i = 0; i < confirmation.length; i++)
      if (confirmation[i] !== '-') expect(refusal(() => verifyConfirmationCode(flip(confirmation, i), [ref], key.crypto)).code).toBe('code-typo');
    // Another device, same reservation details: the MAC differs.
    const other = makeDevice('UCM', T0, [key]);
    const otherRef = { ...refFor(key, other, first.piid, update.timestamp), udi: device.udi };
    expect(refusal(() => verifyReturnCode(ret, [otherRef], key.crypto)).code).toBe('wrong-code');
    expect(refusal(() => verifyConfirmationCode(confirmation, [otherRef], key.crypto)).code).toBe('wrong-code');
    // Another authority key: the MAC differs too.
    const key2 = makeAuthorityKey();
    expect(refusal(() => verifyReturnCode(ret, [refFor(key2, device, first.piid, update.timestamp)], key2.crypto)).code).toBe('wrong-code');
  });
});

describe('commands refused where the seeds do not allow them, with what to do instead', () => {
  it('follows the table of allowed commands', () => {
    const key = makeAuthorityKey();
    const d = makeDevice('UCM', T0, [key]);
    const refused = (type: 'enable' | 'disable' | 'request' | 'cancel' | 'return') => refusal(() => d.run({ type }, T0));
    // disabled
    expect(refused('disable').code).toBe('not-allowed');
    expect(refused('request').hint).toContain('enable');
    expect(refused('cancel').code).toBe('not-allowed');
    expect(refused('return').code).toBe('not-allowed');
    expect(refusal(() => d.run({ type: 'install', code: 'x' }, T0)).hint).toContain('enable');
    d.run({ type: 'enable' }, T0);
    expect(refused('enable').code).toBe('not-allowed');
    expect(refusal(() => d.run({ type: 'install', code: 'x' }, T0)).hint).toContain('request');
    expect(refusal(() => d.run({ type: 'return-authorization', code: issue(key, d, lines('UCM', { UCM_Basic: 1 })).code }, T0)).code).toBe('not-allowed');
    d.run({ type: 'request' }, T0);
    expect(refused('disable').hint).toContain('cancel');
    expect(refused('return').hint).toContain('return-authorization');
    // request again while in progress: the same code again, nothing changes
    const again = d.run({ type: 'request' }, T0 + 5);
    expect(again.issued?.code).toBe(d.state.lastRequest?.code);
    const forCancelled = issue(key, d, lines('UCM', { UCM_Basic: 1 }), { timestamp: T0 + 1 }).code;
    d.run({ type: 'cancel' }, T0);
    expect(d.state.registration).toBe(REGISTRATION.unregistered);
    // A code License Central issued for the cancelled request is dead here, and can still be given back.
    expect(refusal(() => d.run({ type: 'install', code: forCancelled }, T0)).code).toBe('not-allowed');
    expect(d.run({ type: 'return-authorization', code: forCancelled }, T0).issued?.kind).toBe('return');
    d.run({ type: 'request' }, T0);
    expect(refusal(() => d.run({ type: 'install', code: forCancelled }, T0)).code).toBe('reservation-closed');
    d.run({ type: 'install', code: issue(key, d, lines('UCM', { UCM_Basic: 1 }), { timestamp: T0 + 1 }).code }, T0 + 2);
    expect(refused('disable').hint).toContain('return');
    expect(refused('cancel').hint).toContain('return');
    expect(refused('request').code).toBe('not-allowed');
    expect(refusal(() => d.run({ type: 'return-authorization', code: 'x' }, T0)).hint).toContain('license smart reservation return');
    d.run({ type: 'return' }, T0 + 3);
    d.run({ type: 'disable' }, T0 + 4);
    expect(d.state.reservationEnabled).toBe(false);
  });
});

describe('evaluation, overage, enforcement and TERM dates, with an injected clock', () => {
  it('Unified CM: evaluation runs from installation, expires after 90 days, and enforcement refuses new usage only', () => {
    const d = makeDevice('UCM', T0, []);
    d.run({ type: 'usage', tag: 'UCM_Basic', count: 10 }, T0 + days(1));
    expect(status(d, T0 + days(89)).authorization).toBe(AUTHORIZATION.evaluation);
    expect(status(d, T0 + days(89)).evaluation.daysLeft).toBeCloseTo(1);
    const s = status(d, T0 + days(90));
    expect(s.authorization).toBe(AUTHORIZATION.evaluationExpired);
    expect(s.enforcement.active).toBe(true);
    expect(refusal(() => d.run({ type: 'usage', tag: 'UCM_Basic', count: 11 }, T0 + days(91))).code).toBe('enforced');
    d.run({ type: 'usage', tag: 'UCM_Basic', count: 9 }, T0 + days(91));
    expect(d.state.usage).toEqual({ [productById('UCM')!.entitlements[1]!.tag]: 9 });
  });

  it('Unity Connection: evaluation starts with the first license used; SpeechView is not offered in evaluation', () => {
    const d = makeDevice('CUC', T0, []);
    expect(status(d, T0 + days(200)).authorization).toBe(AUTHORIZATION.evaluation);
    expect(status(d, T0 + days(200)).evaluation.started).toBe(false);
    expect(refusal(() => d.run({ type: 'usage', tag: 'CUC_SpeechView', count: 1 }, T0 + days(200))).code).toBe('not-in-evaluation');
    d.run({ type: 'usage', tag: 'CUC_BasicMessaging', count: 3 }, T0 + days(200));
    expect(status(d, T0 + days(289)).authorization).toBe(AUTHORIZATION.evaluation);
    expect(status(d, T0 + days(290)).authorization).toBe(AUTHORIZATION.evaluationExpired);
  });

  it('evaluation pauses while a reservation is installed and resumes with the days left after a return (once in a lifetime)', () => {
    const key = makeAuthorityKey();
    const d = makeDevice('UCM', T0, [key]);
    d.run({ type: 'enable' }, T0 + days(30));
    d.run({ type: 'request' }, T0 + days(30));
    const first = issue(key, d, lines('UCM', { UCM_Basic: 5 }), { timestamp: T0 + days(30) });
    d.run({ type: 'install', code: first.code }, T0 + days(30));
    expect(status(d, T0 + days(400)).evaluation.daysLeft).toBeCloseTo(60);
    d.run({ type: 'return' }, T0 + days(400));
    expect(status(d, T0 + days(400)).authorization).toBe(AUTHORIZATION.evaluation);
    expect(status(d, T0 + days(459)).evaluation.daysLeft).toBeCloseTo(1);
    expect(status(d, T0 + days(460)).authorization).toBe(AUTHORIZATION.evaluationExpired);
    // Once expired, a new reservation brings authorization back; returning it again gives no new evaluation.
    d.run({ type: 'request' }, T0 + days(461));
    d.run({ type: 'install', code: issue(key, d, lines('UCM', { UCM_Basic: 5 }), { timestamp: T0 + days(461) }).code }, T0 + days(461));
    expect(status(d, T0 + days(461)).authorization).toBe(AUTHORIZATION.noLicenses);
    d.run({ type: 'return' }, T0 + days(462));
    expect(status(d, T0 + days(462)).authorization).toBe(AUTHORIZATION.evaluationExpired);
  });

  it('Not Authorized - Reserved: 90 days of overage, then enforcement; a new authorization code resets it', () => {
    const { key, device: d, first } = reservedDevice(lines('UCM', { UCM_Basic: 5 }));
    d.run({ type: 'usage', tag: 'UCM_Basic', count: 6 }, T0 + days(1));
    expect(status(d, T0 + days(1)).authorization).toBe(AUTHORIZATION.notAuthorized);
    expect(status(d, T0 + days(90)).enforcement.active).toBe(false);
    expect(status(d, T0 + days(91)).enforcement.active).toBe(true);
    expect(refusal(() => d.run({ type: 'usage', tag: 'UCM_Basic', count: 7 }, T0 + days(92))).code).toBe('enforced');
    d.run({ type: 'usage', tag: 'UCM_Enhanced', count: 0 }, T0 + days(92));
    // Coming back into compliance stops overage; going over again continues from the days used.
    d.run({ type: 'usage', tag: 'UCM_Basic', count: 5 }, T0 + days(93));
    expect(status(d, T0 + days(93)).authorization).toBe(AUTHORIZATION.authorized);
    expect(status(d, T0 + days(93)).overage.days).toBeCloseTo(92);
    const more = issue(key, d, lines('UCM', { UCM_Basic: 10 }), { piid: first.piid, timestamp: T0 + days(94) });
    d.run({ type: 'install', code: more.code }, T0 + days(94));
    d.run({ type: 'usage', tag: 'UCM_Basic', count: 11 }, T0 + days(95));
    expect(status(d, T0 + days(95) + 1000).overage.days).toBeLessThan(0.01);
    expect(status(d, T0 + days(95)).enforcement.active).toBe(false);
  });

  it('a TERM entitlement counts only between its start and end dates', () => {
    const start = Date.UTC(2026, 1, 1);
    const end = Date.UTC(2026, 5, 30);
    const { device: d } = reservedDevice(lines('UCM', { UCM_Basic: 5 }, { start, end }), Date.UTC(2026, 0, 10));
    d.run({ type: 'usage', tag: 'UCM_Basic', count: 5 }, Date.UTC(2026, 0, 11));
    expect(status(d, Date.UTC(2026, 0, 20)).authorization).toBe(AUTHORIZATION.notAuthorized);
    expect(status(d, start).authorization).toBe(AUTHORIZATION.authorized);
    expect(status(d, end + days(1) - 1).authorization).toBe(AUTHORIZATION.authorized);
    expect(status(d, end + days(1)).authorization).toBe(AUTHORIZATION.notAuthorized);
    // Overage counted only outside the window: 21 days before it (Jan 11 → Feb 1), then after June 30.
    expect(status(d, end + days(1)).overage.days).toBeCloseTo(21);
    expect(status(d, end + days(11)).overage.days).toBeCloseTo(31);
    expect(status(d, Date.UTC(2026, 0, 20)).usage[0]).toMatchObject({
      short: 'UCM_Basic',
      inUse: 5,
      reserved: 0,
      validUntil: '2026-Jun-30 UTC',
      status: 'Not Authorized',
    });
  });

  it('export-controlled functionality: only with the export key installed, never in evaluation', () => {
    const plain = makeDevice('UCM', T0, []);
    expect(status(plain, T0).exportControlled.allowed).toBe(false);
    const { device: withoutKey } = reservedDevice(lines('UCM', { UCM_Basic: 5 }));
    expect(status(withoutKey, T0 + 5000).exportControlled.allowed).toBe(false);
    const { device: withKey } = reservedDevice(lines('UCM', { UCM_Basic: 5, UCM_Export_Key: 1 }));
    expect(status(withKey, T0 + 5000).exportControlled.allowed).toBe(true);
    withKey.run({ type: 'return' }, T0 + 6000);
    expect(status(withKey, T0 + 6000).exportControlled.allowed).toBe(false);
  });

  it('TERM licenses are judged against the highest trusted time seen: setting the clock back does not revive them', () => {
    const { device: d } = reservedDevice(lines('UCM', { UCM_Basic: 5 }, { start: T0, end: T0 + days(30) }));
    d.run({ type: 'usage', tag: 'UCM_Basic', count: 5 }, T0 + days(1));
    expect(status(d, T0 + days(10)).authorization).toBe(AUTHORIZATION.authorized);
    d.run({ type: 'usage', tag: 'UCM_Basic', count: 4 }, T0 + days(40)); // the device saw day 40
    const back = status(d, T0 + days(10)); // then its clock is set back into the TERM window
    expect(back.authorization).toBe(AUTHORIZATION.notAuthorized);
    expect(back.clock.behindMs).toBeGreaterThan(days(29));
    expect(back.usage[0]?.reserved).toBe(0);
  });

  it("a code signed a little after the device's own time moves time forward, and evaluation ran until then", () => {
    const key = makeAuthorityKey();
    const d = makeDevice('UCM', T0, [key]);
    d.run({ type: 'enable' }, T0 + days(5));
    d.run({ type: 'request' }, T0 + days(5));
    d.run({ type: 'install', code: issue(key, d, lines('UCM', { UCM_Basic: 1 }), { timestamp: T0 + days(6) }).code }, T0 + days(5) + 1000);
    expect(d.state.clock.highWater).toBe(T0 + days(6));
    expect(d.state.installed?.installedAt).toBe(T0 + days(6));
    expect(status(d, T0 + days(5) + 2000).evaluation.daysLeft).toBeCloseTo(84);
    expect(status(d, T0 + days(5) + 2000).clock.behindMs).toBeGreaterThan(days(0.9));
  });

  it("a code signed far ahead of the device's time installs, but its time is not adopted: one wrong clock at License Central cannot break a device", () => {
    const key = makeAuthorityKey();
    const d = makeDevice('UCM', T0, [key]);
    d.run({ type: 'enable' }, T0);
    d.run({ type: 'request' }, T0);
    // License Central's clock read 2030 when it signed; the 2026 TERM license must still count on the device.
    const wrong = Date.UTC(2030, 0, 1);
    const out = d.run(
      { type: 'install', code: issue(key, d, lines('UCM', { UCM_Basic: 2 }, { start: T0, end: T0 + days(365) }), { timestamp: wrong }).code },
      T0 + 1000,
    );
    expect(out.warnings?.join()).toMatch(/one of the two clocks is wrong/);
    expect(d.state.clock.highWater).toBe(T0 + 1000);
    expect(d.state.events.map((e) => e.type)).toContain('clock-ahead');
    d.run({ type: 'usage', tag: 'UCM_Basic', count: 2 }, T0 + days(1));
    expect(status(d, T0 + days(1)).authorization).toBe(AUTHORIZATION.authorized);
    // Its next code (License Central's clock put right: its timestamps stay after the wrong one) installs too.
    const next = d.run(
      { type: 'install', code: issue(key, d, lines('UCM', { UCM_Basic: 3 }, { start: T0, end: T0 + days(365) }), { timestamp: wrong + 1 }).code },
      T0 + days(2),
    );
    expect(next.issued?.kind).toBe('confirmation');
    expect(status(d, T0 + days(2)).usage[0]?.reserved).toBe(3);
  });

  it('a device whose clock ran ahead comes back to the time License Central signed, once its clock is put right', () => {
    const key = makeAuthorityKey();
    const d = makeDevice('UCM', T0, [key]);
    const ahead = Date.UTC(2031, 5, 1);
    d.run({ type: 'enable' }, ahead); // the device clock read 2031
    d.run({ type: 'request' }, ahead);
    // The clock is put right; License Central (right clock) signs a 1-year TERM code.
    const code = issue(key, d, lines('UCM', { UCM_Basic: 2 }, { start: T0, end: T0 + days(365) }), { timestamp: T0 + days(1) }).code;
    const out = d.run({ type: 'install', code }, T0 + days(1) + 1000);
    expect(out.warnings?.join()).toMatch(/the device clock was ahead/);
    expect(d.state.clock.highWater).toBe(T0 + days(1) + 1000);
    d.run({ type: 'usage', tag: 'UCM_Basic', count: 2 }, T0 + days(2));
    expect(status(d, T0 + days(2)).authorization).toBe(AUTHORIZATION.authorized);
    // A device whose clock is still ahead keeps its time: only a clock put right comes back.
    const e = makeDevice('UCM', T0, [key]);
    e.run({ type: 'enable' }, ahead);
    e.run({ type: 'request' }, ahead);
    e.run({ type: 'install', code: issue(key, e, lines('UCM', { UCM_Basic: 2 }), { timestamp: T0 + days(1) }).code }, ahead + 1000);
    expect(e.state.clock.highWater).toBe(ahead + 1000);
  });

  it('overage never gains days from a clock moved forwards and then back', () => {
    const { device: d } = reservedDevice(lines('UCM', { UCM_Basic: 1 }));
    d.run({ type: 'usage', tag: 'UCM_Basic', count: 2 }, T0 + days(1));
    d.run({ type: 'usage', tag: 'UCM_Enhanced', count: 0 }, T0 + days(60)); // forwards
    const before = status(d, T0 + days(60)).overage.days;
    d.run({ type: 'usage', tag: 'UCM_Enhanced', count: 0 }, T0 + days(5)); // back
    expect(status(d, T0 + days(5)).overage.days).toBeCloseTo(before);
    expect(d.state.clock.rollbacks).toBe(1);
    expect(status(d, T0 + days(91) + 1).enforcement.active).toBe(true);
  });

  it('a clock set back is detected and reported, and never gives evaluation days back', () => {
    const d = makeDevice('UCM', T0, []);
    d.run({ type: 'usage', tag: 'UCM_Basic', count: 1 }, T0 + days(50));
    expect(status(d, T0 + days(50)).evaluation.daysLeft).toBeCloseTo(40);
    // The clock is set back 45 days.
    const back = T0 + days(5);
    expect(status(d, back).clock.behindMs).toBeCloseTo(days(45), -3);
    expect(status(d, back).evaluation.daysLeft).toBeCloseTo(40);
    d.run({ type: 'usage', tag: 'UCM_Basic', count: 2 }, back);
    expect(d.state.events.at(-2)?.type).toBe('clock-rollback');
    expect(d.state.clock.rollbacks).toBe(1);
    // Forward then back again: never more days left than before.
    d.run({ type: 'usage', tag: 'UCM_Basic', count: 3 }, T0 + days(80));
    expect(status(d, T0 + days(60)).evaluation.daysLeft).toBeCloseTo(10);
    // A signed code's timestamp is trusted time: installing one moves time forward.
    const key = makeAuthorityKey();
    const k = makeDevice('UCM', T0, [key]);
    k.run({ type: 'enable' }, T0);
    k.run({ type: 'request' }, T0);
    k.run({ type: 'install', code: issue(key, k, lines('UCM', { UCM_Basic: 1 }, { start: T0 - days(40), end: T0 }), { timestamp: T0 + days(1) }).code }, T0);
    k.run({ type: 'usage', tag: 'UCM_Basic', count: 1 }, T0 + 1000);
    expect(status(k, T0 + 1000).authorization).toBe(AUTHORIZATION.notAuthorized);
  });
});
