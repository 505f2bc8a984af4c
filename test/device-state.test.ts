/**
 * License Central sees a forged or rolled-back device at the next exchange (issue 23 ★): every code a device
 * makes carries its state digest (which code of its reservation it ran, which keys it trusts), and the ledger
 * checks it against what it knows. Each party is real: the device's engine with its own key, the SQLite
 * ledger, and an operator who puts back a copy of the device's state or adds a key of their own.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLedger, type Ledger } from '../electron/authority/ledger.ts';
import { issueAuthorizationCode } from '../shared/authority/issue.ts';
import { parseAuthorizationCode } from '../shared/codes/authorization-code.ts';
import { codeMessage, CONFIRMATION_CODE, makeConfirmationCode, parseConfirmationCode, REQUEST_CODE } from '../shared/codes/device-codes.ts';
import { formatShortCode, parseShortCode } from '../shared/codes/short-code.ts';
import { anchorsHash, digestSymbols, ranRef } from '../shared/codes/state-digest.ts';
import { cryptoBasics, deviceCrypto } from '../electron/platform/crypto.ts';
import { lines, makeAuthorityKey, makeDevice, T0, type Device } from './helpers/world.ts';

const MIN = 60_000;

async function setUp() {
  const ledger = await openLedger({ dir: mkdtempSync(join(tmpdir(), 'slr-digest-')), actor: 'test' }, true);
  await ledger.init('Digest', T0);
  await ledger.addLicenses({ account: 'Default', tag: 'UCM_Basic', count: 20 }, T0);
  const key = await ledger.exportKey();
  const device = makeDevice('UCM', T0, [{ id: key.id, publicKey: key.pem }]);
  device.run({ type: 'enable' }, T0);
  const reserved = await ledger.reserve(
    { account: 'Default', request: device.run({ type: 'request' }, T0).issued!.code, licenses: { UCM_Basic: 11 } },
    T0 + MIN,
  );
  device.run({ type: 'install', code: reserved.code }, T0 + 2 * MIN);
  return { ledger, device, key, sn: device.udi.sn, reserved };
}

/** An update issued by License Central and installed on the device; its confirmation code. */
async function update(ledger: Ledger, device: Device, count: number, at: number): Promise<string> {
  const code = (await ledger.update({ instance: device.udi.sn, licenses: { UCM_Basic: count } }, at)).code;
  const out = device.run({ type: 'install', code }, at + MIN);
  expect(out.issued?.kind).toBe('confirmation');
  return out.issued!.code;
}

const finding = async (ledger: Ledger, sn: string) => (await ledger.instances()).find((i) => i.sn === sn)!;
const stateEvents = async (ledger: Ledger) => (await ledger.events()).filter((e) => e.type === 'device-state');

describe("the device's state digest, checked by License Central at every exchange", () => {
  it('says nothing of an honest device: reserve, updates, confirmations, return', async () => {
    const { ledger, device, sn, reserved } = await setUp();
    expect(reserved.warnings).toEqual([]);
    expect((await ledger.confirm({ instance: sn, code: await update(ledger, device, 10, T0 + 10 * MIN) }, T0 + 12 * MIN)).warnings).toEqual([]);
    expect((await ledger.confirm({ instance: sn, code: await update(ledger, device, 12, T0 + 20 * MIN) }, T0 + 22 * MIN)).warnings).toEqual([]);
    // An update installed but never confirmed, then another: the device ran a code License Central issued.
    await update(ledger, device, 9, T0 + 30 * MIN);
    expect((await ledger.confirm({ instance: sn, code: await update(ledger, device, 8, T0 + 40 * MIN) }, T0 + 42 * MIN)).warnings).toEqual([]);
    const ret = device.run({ type: 'return' }, T0 + 50 * MIN).issued!.code;
    expect((await ledger.remove({ instance: sn, returnCode: ret }, T0 + 51 * MIN)).warnings).toEqual([]);
    expect(await stateEvents(ledger)).toEqual([]);
  });

  it('shows a device put back to a copy of its state from before a confirmed decrease, at its next confirmation', async () => {
    const { ledger, device, sn } = await setUp();
    const copy = device.state; // the operator copies the state file while the device runs 11
    await ledger.confirm({ instance: sn, code: await update(ledger, device, 10, T0 + 10 * MIN) }, T0 + 12 * MIN);
    expect((await finding(ledger, sn)).deviceFinding).toBeNull();
    device.state = copy; // … and puts it back: the device shows 11 again
    const confirmation = await update(ledger, device, 10, T0 + 20 * MIN);
    const r = await ledger.confirm({ instance: sn, code: confirmation }, T0 + 22 * MIN);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/state was put back/);
    const line = await finding(ledger, sn);
    expect(line.deviceFinding).toBe('rolled-back');
    expect(line.deviceWarningAt).toBe(T0 + 22 * MIN);
    expect((await stateEvents(ledger)).map((e) => e.instance)).toEqual([line.udi]);
  });

  it('shows a rolled-back device that gives its licenses back, and still takes them back', async () => {
    const { ledger, device, sn } = await setUp();
    const copy = device.state;
    await ledger.confirm({ instance: sn, code: await update(ledger, device, 10, T0 + 10 * MIN) }, T0 + 12 * MIN);
    device.state = copy;
    const ret = device.run({ type: 'return' }, T0 + 20 * MIN).issued!.code;
    const r = await ledger.remove({ instance: sn, returnCode: ret }, T0 + 21 * MIN);
    expect(r.released).toBe(10);
    expect(r.warnings.join(' ')).toMatch(/state was put back/);
    expect((await ledger.instances(undefined, true)).find((i) => i.sn === sn)!.deviceFinding).toBe('rolled-back');
  });

  it("shows a device that trusts a key of the operator's own, at its request", async () => {
    const { ledger, key } = await setUp();
    const own = makeAuthorityKey();
    const device = makeDevice('UCM', T0, [{ id: key.id, publicKey: key.pem }, own]);
    device.run({ type: 'enable' }, T0);
    const r = await ledger.reserve({ account: 'Default', request: device.run({ type: 'request' }, T0).issued!.code, licenses: { UCM_Basic: 1 } }, T0 + MIN);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings![0]).toMatch(/trusts a key that is not one of this License Central's/);
    expect((await finding(ledger, device.udi.sn)).deviceFinding).toBe('foreign-key');
  });

  it('shows a device that ran a code License Central never issued, at its next confirmation', async () => {
    const { ledger, device, sn, reserved } = await setUp();
    // The operator signs, with a key they made the device trust, a code for the device's own reservation.
    const own = makeAuthorityKey();
    device.run({ type: 'trust-add', chain: [{ id: own.id, publicKey: own.publicKey, endorsement: null }], label: 'mine', provision: true }, T0 + 3 * MIN);
    const installed = parseAuthorizationCode(reserved.code);
    const forged = issueAuthorizationCode(
      { udi: device.udi, piid: installed.piid, timestamp: T0 + 4 * MIN, entitlements: lines('UCM', { UCM_Basic: 500 }), keyId: own.id },
      own.crypto,
    );
    device.run({ type: 'install', code: forged }, T0 + 5 * MIN);
    const r = await ledger.confirm({ instance: sn, code: await update(ledger, device, 10, T0 + 10 * MIN) }, T0 + 12 * MIN);
    const kinds = (await stateEvents(ledger)).map((e) => e.message);
    expect(r.warnings).toHaveLength(2);
    expect(kinds.some((m) => /never issued/.test(m))).toBe(true);
    expect(kinds.some((m) => /trusts a key/.test(m))).toBe(true);
  });

  it('refuses a confirmation code whose digest a carrier changed (the MAC covers it), counting it as a wrong code', async () => {
    const { ledger, device, sn } = await setUp();
    const copy = device.state;
    await ledger.confirm({ instance: sn, code: await update(ledger, device, 10, T0 + 10 * MIN) }, T0 + 12 * MIN);
    device.state = copy;
    const honest = await update(ledger, device, 10, T0 + 20 * MIN);
    // The carrier hides the rollback: the device's MAC kept, the digest naming the code the device should have
    // run, the check characters made right.
    const { digest } = parseConfirmationCode(honest);
    const shouldHaveRun = ranRef((await ledger.instance(sn)).device_ran);
    expect(digest!.ran).not.toBe(shouldHaveRun);
    const mac = parseShortCode(CONFIRMATION_CODE, honest).slice(0, 7);
    const tampered = formatShortCode(CONFIRMATION_CODE, [...mac, ...digestSymbols({ ran: shouldHaveRun, anchors: digest!.anchors })]);
    expect(tampered).not.toBe(honest);
    await expect(ledger.confirm({ instance: sn, code: tampered }, T0 + 22 * MIN)).rejects.toThrow(/does not match any authorization code/);
    expect((await finding(ledger, sn)).deviceFinding).toBeNull();
  });

  it('a request whose digest a carrier changed gets a code the device refuses as altered in transit', async () => {
    const { ledger, key } = await setUp();
    const device = makeDevice('UCM', T0, [{ id: key.id, publicKey: key.pem }, makeAuthorityKey()]);
    device.run({ type: 'enable' }, T0);
    const request = device.run({ type: 'request' }, T0).issued!.code;
    // The carrier hides the foreign key: the digest of a device that trusts License Central's key alone.
    const data = parseShortCode(REQUEST_CODE, request);
    const clean = { ran: 0, anchors: anchorsHash(cryptoBasics.sha256, [key.id]) };
    const altered = formatShortCode(REQUEST_CODE, [...data.slice(0, 92), ...digestSymbols(clean)]);
    const r = await ledger.reserve({ account: 'Default', request: altered, licenses: { UCM_Basic: 1 } }, T0 + MIN);
    expect(r.warnings).toEqual([]);
    expect(() => device.run({ type: 'install', code: r.code }, T0 + 2 * MIN)).toThrow(/altered in transit/);
  });

  it('accepts the codes of an earlier SLR Desk (no digest) and checks nothing in them', async () => {
    const { ledger, device, sn, key } = await setUp();
    const code = (await ledger.update({ instance: sn, licenses: { UCM_Basic: 10 } }, T0 + 10 * MIN)).code;
    device.run({ type: 'install', code }, T0 + 11 * MIN);
    const parsed = parseAuthorizationCode(code);
    const mac = deviceCrypto(device.privateKey).mac(key.pem, codeMessage('confirm', parsed.piid, parsed.timestamp, device.udi, null));
    const r = await ledger.confirm({ instance: sn, code: makeConfirmationCode(mac, null) }, T0 + 12 * MIN);
    expect(r).toMatchObject({ released: 1, warnings: [] });
  });
});
