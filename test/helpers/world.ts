/**
 * Test helpers: an authority key and a device, in memory, with the real crypto. Time is always explicit.
 */
import { randomUUID } from 'node:crypto';
import { findEntitlement, productById, type ProductId } from '../../shared/catalog.ts';
import { fromBase64, toBase64 } from '../../shared/bytes.ts';
import { execute, type Command } from '../../shared/instance/commands.ts';
import { createInstance, type Outcome } from '../../shared/instance/rules.ts';
import type { InstanceState } from '../../shared/instance/state.ts';
import { entitlementFor, issueAuthorizationCode, type CodeRef, type Term } from '../../shared/authority/issue.ts';
import { makeUdi, type Udi } from '../../shared/udi.ts';
import { authorityCrypto, compressedPublicKey, cryptoBasics, deviceCrypto, generateKeyPair, keyId, privateKeyOps } from '../../electron/platform/crypto.ts';
import { reservationPiid, type RequestPayload } from '../../shared/codes/device-codes.ts';
import type { Entitlement } from '../../shared/codes/authorization-code.ts';
import { DAY_MS } from '../../shared/codes/dates.ts';

export const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
export const days = (n: number) => n * DAY_MS;

export function makeAuthorityKey() {
  const pair = generateKeyPair();
  const id = keyId(pair.publicKey);
  return {
    ...pair,
    id,
    crypto: authorityCrypto((k) => {
      if (k !== id) throw new Error(`unknown key ${k}`);
      return privateKeyOps(pair.privateKey);
    }),
  };
}
export type AuthorityKey = ReturnType<typeof makeAuthorityKey>;

export interface Device {
  state: InstanceState;
  readonly privateKey: string;
  readonly udi: Udi;
  readonly publicKey: Uint8Array;
  run(command: Command, now: number): Outcome;
}

export function makeDevice(productId: ProductId = 'UCM', now = T0, trust: readonly Pick<AuthorityKey, 'id' | 'publicKey'>[] = []): Device {
  const product = productById(productId)!;
  const pair = generateKeyPair();
  const publicKey = compressedPublicKey(pair.publicKey);
  const uuid = randomUUID();
  let state = createInstance({
    product,
    uuid,
    deviceKey: { publicKey: toBase64(publicKey), privateKey: { format: 'pkcs8-pem', value: pair.privateKey } },
    now,
  });
  for (const k of trust) {
    state = execute(
      state,
      { type: 'trust-add', chain: [{ id: k.id, publicKey: k.publicKey, endorsement: null }], label: 'test authority', provision: true },
      { now, crypto: deviceCrypto(pair.privateKey) },
    ).state;
  }
  const device: Device = {
    state,
    privateKey: pair.privateKey,
    udi: makeUdi(product, uuid),
    publicKey,
    run(command, at) {
      const outcome = execute(device.state, command, { now: at, crypto: deviceCrypto(pair.privateKey) });
      device.state = outcome.state;
      return outcome;
    },
  };
  return device;
}

/** `UCM_Basic: 5` style lines to entitlements. */
export function lines(productId: ProductId, spec: Record<string, number>, term?: Term): Entitlement[] {
  const product = productById(productId)!;
  return Object.entries(spec).map(([short, count]) => entitlementFor(findEntitlement(product, short)!, count, term));
}

/** What a code is issued for: a device (its current reservation) or a parsed request code (the reservation it starts). */
type Target = { udi: Udi; state?: InstanceState } | RequestPayload;

/** Signs a code for `target`; its piid is that of the reservation it names, unless `opts.piid` says otherwise. */
export function issue(key: AuthorityKey, target: Target, entitlements: readonly Entitlement[], opts: { piid?: string; timestamp?: number } = {}) {
  const piid =
    opts.piid ??
    ('nonce' in target
      ? reservationPiid(cryptoBasics.sha256, target.udi, target.devicePublicKey, target.nonce, target.digest)
      : target.state?.reservation?.piid) ??
    randomUUID();
  const timestamp = opts.timestamp ?? T0;
  return { piid, timestamp, code: issueAuthorizationCode({ udi: target.udi, piid, timestamp, entitlements, keyId: key.id }, key.crypto) };
}

export function refFor(key: AuthorityKey, device: Device, piid: string, timestamp: number): CodeRef {
  return { udi: device.udi, devicePublicKey: fromBase64(device.state.deviceKey.publicKey)!, piid, timestamp, keyId: key.id };
}

/** Runs `fn` and returns the SlrError code it throws (or fails the test if it does not throw). */
export function refusal(fn: () => unknown): { code: string; message: string; hint?: string } {
  try {
    fn();
  } catch (e) {
    const err = e as { code?: string; message: string; hint?: string };
    if (!err.code) throw e;
    return { code: err.code, message: err.message, hint: err.hint };
  }
  throw new Error('expected a refusal, but the call succeeded');
}
