/**
 * The device's state digest in its codes (shared/codes/state-digest.ts): what it holds, that it round-trips
 * in every code, that the codes of the versions before it are still read (without one), and that whoever
 * carries a code cannot change the digest unseen (the MAC covers it; a request's digest is in the piid).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { productById } from '../shared/catalog.ts';
import {
  codeMessage,
  makeConfirmationCode,
  makeRequestCode,
  makeReturnCode,
  parseConfirmationCode,
  parseRequestCode,
  parseReturnCode,
  reservationPiid,
} from '../shared/codes/device-codes.ts';
import { formatShortCode, parseShortCode } from '../shared/codes/short-code.ts';
import { anchorsAreOwn, anchorsHash, makeStateDigest, ranRef, MAX_ANCHOR_KEYS } from '../shared/codes/state-digest.ts';
import { makeUdi } from '../shared/udi.ts';
import { cryptoBasics } from '../electron/platform/crypto.ts';
import { refusal } from './helpers/world.ts';

const ucm = productById('UCM')!;
const uuid = 'e53fc968-0253-4d61-a355-ba908a6cc920';
const udi = makeUdi(ucm, uuid);
const key = new Uint8Array(33).map((_, i) => (i === 0 ? 2 : (i * 53) & 255));
const mac = new Uint8Array(32).map((_, i) => (i * 29 + 3) & 255);
const sha = cryptoBasics.sha256;
const digestArb = fc.record({ ran: fc.integer({ min: 0, max: 2 ** 20 - 1 }), anchors: fc.integer({ min: 0, max: 2 ** 15 - 1 }) });

describe('the state digest', () => {
  it('names the code a device ran by its timestamp (0 for none), and its anchors as a set', () => {
    expect(ranRef(null)).toBe(0);
    expect(ranRef(0)).toBe(0);
    expect(ranRef(1_780_000_000_123)).toBeGreaterThan(0);
    expect(ranRef(1_780_000_000_123)).not.toBe(ranRef(1_780_000_000_124));
    expect(anchorsHash(sha, ['aa', 'bb'])).toBe(anchorsHash(sha, ['BB', 'aa', 'bb']));
    expect(anchorsHash(sha, ['aa'])).not.toBe(anchorsHash(sha, ['aa', 'bb']));
    expect(makeStateDigest(sha, null, [])).toEqual({ ran: 0, anchors: anchorsHash(sha, []) });
  });

  it('round-trips in every code a device makes', () => {
    fc.assert(
      fc.property(digestArb, (d) => {
        expect(parseRequestCode(makeRequestCode(ucm, uuid, key, '00112233aabbccdd', d)).digest).toEqual(d);
        expect(parseConfirmationCode(makeConfirmationCode(mac, d)).digest).toEqual(d);
        const r = parseReturnCode(makeReturnCode(udi, mac, d));
        expect(r.digest).toEqual(d);
        expect(r.sn).toBe(udi.sn);
      }),
    );
  });

  it('is absent from the codes of the versions before it, which are still read', () => {
    const oldConfirmation = makeConfirmationCode(mac, null);
    const oldReturn = makeReturnCode(udi, mac, null);
    expect(oldConfirmation.replace(/-/g, '')).toHaveLength(10);
    expect(oldReturn.replace(/-/g, '')).toHaveLength(31);
    expect(parseConfirmationCode(oldConfirmation)).toEqual({ canonical: oldConfirmation, digest: null });
    expect(parseReturnCode(oldReturn)).toMatchObject({ canonical: oldReturn, digest: null, sn: udi.sn });
    // A request of version 2 (104 characters), as an earlier SLR Desk made it: read, piid bound without a digest.
    const v3 = makeRequestCode(ucm, uuid, key, '00112233aabbccdd', { ran: 0, anchors: 0 });
    const REQUEST_V3 = { kind: 1, name: 'request code', dataSymbols: 99, groupSize: 5 };
    const data = parseShortCode(REQUEST_V3, v3).slice(0, 92);
    data[0] = 2; // the first symbol is the version: 3 → 2
    const v2 = formatShortCode({ ...REQUEST_V3, dataSymbols: 92 }, data);
    expect(v2.replace(/-/g, '')).toHaveLength(104);
    const parsed = parseRequestCode(v2);
    expect(parsed.digest).toBeNull();
    expect(parsed.udi).toEqual(udi);
    expect(reservationPiid(sha, udi, key, parsed.nonce, null)).not.toBe(reservationPiid(sha, udi, key, parsed.nonce, { ran: 0, anchors: 0 }));
  });

  it('refuses a code of one kind entered as another, naming it, whichever version', () => {
    expect(refusal(() => parseConfirmationCode(makeReturnCode(udi, mac, { ran: 1, anchors: 2 }))).message).toMatch(/looks like a return code/);
    expect(refusal(() => parseReturnCode(makeConfirmationCode(mac, null))).message).toMatch(/looks like a confirmation code/);
    expect(refusal(() => parseReturnCode(makeConfirmationCode(mac, { ran: 1, anchors: 2 }))).message).toMatch(/looks like a confirmation code/);
  });

  it('is covered by the MAC and bound into the piid: a carrier who changes it changes what License Central computes', () => {
    const a = { ran: 5, anchors: 7 };
    const b = { ran: 4, anchors: 7 };
    const text = (m: Uint8Array) => new TextDecoder().decode(m);
    expect(text(codeMessage('confirm', 'p', '1', udi, a))).not.toBe(text(codeMessage('confirm', 'p', '1', udi, b)));
    expect(text(codeMessage('return', 'p', '1', udi, a))).not.toBe(text(codeMessage('return', 'p', '1', udi, null)));
    expect(reservationPiid(sha, udi, key, '00112233aabbccdd', a)).not.toBe(reservationPiid(sha, udi, key, '00112233aabbccdd', b));
  });

  it("tells a set of License Central's own keys from a set with another key, for up to the newest 12 keys", () => {
    const own = Array.from({ length: 5 }, (_, i) => `${i}`.repeat(16));
    expect(anchorsAreOwn(sha, anchorsHash(sha, []), own)).toBe(true);
    expect(anchorsAreOwn(sha, anchorsHash(sha, [own[1]!, own[3]!]), own)).toBe(true);
    expect(anchorsAreOwn(sha, anchorsHash(sha, own), own)).toBe(true);
    expect(anchorsAreOwn(sha, anchorsHash(sha, [own[1]!, 'f'.repeat(16)]), own)).toBe(false);
    const many = Array.from({ length: MAX_ANCHOR_KEYS + 3 }, (_, i) => i.toString(16).padStart(16, '0'));
    expect(anchorsAreOwn(sha, anchorsHash(sha, many.slice(-2)), many)).toBe(true);
  });
});
