/**
 * The rules of the product-instance engine that several commands share: time (advance, and what an
 * install does with a signed time), trust and binding of authorization codes, the confirmation and return
 * codes, the event log. Pure functions of state, time and the crypto port; they refuse with an SlrError.
 */
import { findEntitlement, type ProductProfile } from '../catalog.ts';
import type { AuthorizationCode } from '../codes/authorization-code.ts';
import { codeMessage, makeConfirmationCode, makeReturnCode } from '../codes/device-codes.ts';
import { assertSaneTime, DAY_MS, formatInstant } from '../codes/dates.ts';
import { refuse } from '../errors.ts';
import { makeUdi, sameUdi, formatUdi } from '../udi.ts';
import type { DeviceCrypto } from '../ports.ts';
import { event, REGISTRATION, SCHEMA_VERSION, withEvents, type DeviceKeyRecord, type InstanceState, type TrustedKey, type Witness } from './state.ts';
import { witnessesAfter } from './witness.ts';
import { installedCode, productOf } from './status.ts';
import { accountTo, CLOCK_TOLERANCE_MS, clockBehindMs, effectiveNow } from './time.ts';
import { assertCurrentReservation, stateDigest } from './reservation.ts';
import { withAlarms } from './security.ts';

/** A signed time further ahead of the device's than this is not adopted: one of the two clocks is wrong. */
export const FUTURE_TOLERANCE_MS = 2 * DAY_MS;

export interface Context {
  readonly now: number;
  readonly crypto: DeviceCrypto;
}

export type IssuedKind = 'request' | 'confirmation' | 'return' | 'usage-report';

export interface Outcome {
  readonly state: InstanceState;
  readonly message: string;
  readonly issued?: { readonly kind: IssuedKind; readonly code: string };
  /** Said once, beside the message: a clock found set back, a signed time not adopted. */
  readonly warnings?: readonly string[];
}

/** Where a reservation stands; 'online' while registered online (Smart Licensing), which excludes reservation. */
export type Phase = 'disabled' | 'unregistered' | 'in-progress' | 'registered' | 'online';

export function phaseOf(state: InstanceState): Phase {
  if (state.online) return 'online';
  if (!state.reservationEnabled) return 'disabled';
  if (state.registration === REGISTRATION.inProgress) return 'in-progress';
  if (state.registration === REGISTRATION.registered) return 'registered';
  return 'unregistered';
}

export { event, withEvents };

/** Accounts evaluation and overage up to now, moves the high-water mark, and logs a clock set back once. */
export function advance(state: InstanceState, now: number): InstanceState {
  assertSaneTime(now, 'The time');
  const code = installedCode(state);
  const t = effectiveNow(state, now);
  const acc = accountTo(state, code?.entitlements ?? [], t);
  const behind = clockBehindMs(state, now);
  const next: InstanceState = {
    ...state,
    evaluation: { ...state.evaluation, usedMs: acc.evaluationUsedMs },
    overage: { usedMs: acc.overageMs },
    clock: { highWater: t, accountedTo: t, rollbacks: state.clock.rollbacks + (behind && !state.clock.behind ? 1 : 0), behind: behind > 0 },
  };
  if (!behind || state.clock.behind) return withAlarms(next, t);
  return withAlarms(withEvents(next, event(t, 'clock-rollback', clockBehindWarning(now, behind, state.clock.highWater))), t);
}

export function clockBehindWarning(now: number, behind: number, highWater: number): string {
  return (
    `The device clock (${formatInstant(now)}) is ${Math.round(behind / 60_000)} minutes behind the latest time seen (${formatInstant(highWater)}); ` +
    'time is taken as the latest seen, and nothing is given back.'
  );
}

/** What `advance` newly logged, as warnings for the operator. */
export function newWarnings(before: InstanceState, after: InstanceState): string[] {
  return after.events
    .slice(before.events.length)
    .filter((e) => e.type === 'clock-rollback')
    .map((e) => e.message);
}

export interface NewInstance {
  readonly product: ProductProfile;
  readonly uuid: string;
  readonly deviceKey: DeviceKeyRecord;
  readonly now: number;
}

export function createInstance({ product, uuid, deviceKey, now }: NewInstance): InstanceState {
  const udi = formatUdi(makeUdi(product, uuid));
  return {
    schemaVersion: SCHEMA_VERSION,
    product: product.id,
    uuid,
    createdAt: now,
    deviceKey,
    trustedKeys: [],
    reservationEnabled: false,
    registration: REGISTRATION.unregistered,
    installed: null,
    reservation: null,
    closedReservations: [],
    lastRequest: null,
    lastConfirmation: null,
    lastReturn: null,
    usage: {},
    evaluation: { startedAt: product.evaluationStarts === 'install' ? now : null, usedMs: 0 },
    overage: { usedMs: 0 },
    clock: { highWater: assertSaneTime(now, 'The time'), accountedTo: now, rollbacks: 0, behind: false },
    events: [event(now, 'init', `Product instance ${udi} created (${product.name}); device key made.`)],
    online: null,
    transport: { mode: 'direct' },
    privacy: { hostname: false },
  };
}

/** Verifies the signature with the trusted keys; returns the signer, or refuses as untrusted. */
export function trustedSigner(state: InstanceState, code: AuthorizationCode, crypto: DeviceCrypto): TrustedKey {
  if (state.trustedKeys.length === 0) {
    refuse(
      'untrusted',
      'The authorization code cannot be checked: this device trusts no License Central signing key yet.',
      'License Central exports its public key as a .pem file (`slr authority key export`); add it with `slr license trust add <file>`, then install again.',
    );
  }
  const signer = state.trustedKeys.find((k) => crypto.verify(k.publicKey, code.signedBytes, code.signature));
  // Made for this device's current request (its piid derives from the request's nonce): from License Central
  // meant for it, so either signed with a key not trusted yet, or damaged on the way. The device cannot tell which.
  if (!signer && state.reservation?.piid && code.piid === state.reservation.piid)
    refuse(
      'untrusted',
      "The authorization code was made for this device's current request, but its signature does not verify with the keys this device trusts: either License Central signs with a new key now, or the code was damaged on the way (a character lost or changed, as text extracted from a PDF or retyped can be).",
      'If License Central added a signing key, import its key file (`slr authority key export` writes it) with `slr license trust add <file>`; otherwise use the code as License Central wrote it: its file, its QR code, or copied again whole (`slr authority code --instance SN` shows it again).',
    );
  if (!signer) {
    refuse(
      'untrusted',
      "The authorization code is not signed by a License Central key this device trusts: License Central's signing key may have changed (a new key signs its codes), or the code was changed after signing, or comes from another License Central.",
      'If License Central added a new signing key, import its key file (`slr authority key export` writes it) with `slr license trust add <file>` and install again; otherwise check that the code comes from your License Central and was copied whole.',
    );
  }
  return signer;
}

/** Everything that decides whether this device may use `code`: trust, then binding, freshness, known licenses, License Central's checkpoint. */
export function acceptCode(
  state: InstanceState,
  code: AuthorizationCode,
  crypto: DeviceCrypto,
  now: number,
): { code: AuthorizationCode; signer: TrustedKey; witness: readonly Witness[] } {
  const signer = trustedSigner(state, code, crypto);
  checkUsable(state, code);
  return { code, signer, witness: witnessesAfter(state, code, signer, crypto, now) };
}

/**
 * A trusted code is usable here when it is bound to this UDI, belongs to the current reservation (issued
 * against this device's key), is newer than any code of it installed before, and all its licenses are this
 * product's.
 */
export function checkUsable(state: InstanceState, code: AuthorizationCode): void {
  const product = productOf(state);
  const own = makeUdi(product, state.uuid);
  if (!sameUdi(code.udi, own)) {
    refuse(
      'wrong-device',
      `The authorization code is for another device (${formatUdi(code.udi)}); this device is ${formatUdi(own)}.`,
      'Install it on the device it was made for, or ask License Central for a code for this UDI.',
    );
  }
  const reservation = assertCurrentReservation(state, code.piid);
  if (Number(code.timestamp) <= Number(reservation.lastTimestamp)) {
    const same = installedCode(state)?.timestamp === code.timestamp;
    refuse(
      same ? 'already-installed' : 'replay',
      same
        ? 'This authorization code is already installed.'
        : `The authorization code (issued ${formatInstant(Number(code.timestamp))}) is older than the code of this reservation already installed (${formatInstant(Number(reservation.lastTimestamp))}).`,
      same ? 'Nothing changed. `show license reservation` shows the last confirmation code.' : 'Install the latest code from License Central.',
    );
  }
  code.entitlements.forEach((e, i) => {
    const def = findEntitlement(product, e.tag);
    if (!def)
      refuse(
        'unknown-license',
        `<entitlement> ${i + 1}: ${e.tag} is not a license of ${product.name}.`,
        'Ask License Central for a code with licenses of this product.',
      );
    if (!def.reservable) refuse('unknown-license', `<entitlement> ${i + 1}: ${def.displayName} cannot be used with Specific License Reservation.`);
  });
}

/**
 * The device's time after installing a code signed at `issuedAt`, and what the operator is told about it:
 * - a signed time a little ahead of the device clock is trusted time (evaluation ran at least until then);
 * - one more than FUTURE_TOLERANCE_MS ahead is not adopted: one of the two clocks is wrong, and a License
 *   Central clock that ran ahead must not move this device into the future for good;
 * - a signed time well before the time this device had when it made the request proves that the device
 *   clock was ahead then (License Central signed after the request): the device comes back to
 *   max(its clock now, the signed time), so one wrong device clock does not break it for good.
 */
export function timeAfterInstall(state: InstanceState, issuedAt: number, requestedAt: number, now: number): { state: InstanceState; warnings: string[] } {
  const t = state.clock.highWater;
  if (issuedAt > t + FUTURE_TOLERANCE_MS) {
    const message = `The code was signed at ${formatInstant(issuedAt)}, ahead of this device's time (${formatInstant(t)}): one of the two clocks is wrong. The device keeps its own time; check both clocks.`;
    return { state: withEvents(state, event(t, 'clock-ahead', message)), warnings: [message] };
  }
  if (issuedAt > t) return { state: advance(state, issuedAt), warnings: [] };
  if (issuedAt < requestedAt - CLOCK_TOLERANCE_MS) {
    const back = Math.max(now, issuedAt);
    if (back < t) {
      const message = `License Central signed this code at ${formatInstant(issuedAt)}, before the time this device had when it made the request (${formatInstant(requestedAt)}): the device clock was ahead. Its time is corrected to ${formatInstant(back)}.`;
      return {
        state: withEvents({ ...state, clock: { ...state.clock, highWater: back, accountedTo: back, behind: false } }, event(back, 'clock-corrected', message)),
        warnings: [message],
      };
    }
  }
  return { state, warnings: [] };
}

export function confirmOrReturnCode(
  state: InstanceState,
  purpose: 'confirm' | 'return',
  code: AuthorizationCode,
  signer: TrustedKey,
  crypto: DeviceCrypto,
): string {
  const udi = makeUdi(productOf(state), state.uuid);
  const digest = stateDigest(state, crypto);
  const mac = crypto.mac(signer.publicKey, codeMessage(purpose, code.piid, code.timestamp, udi, digest));
  return purpose === 'confirm' ? makeConfirmationCode(mac, digest) : makeReturnCode(udi, mac, digest);
}

export function summary(code: AuthorizationCode): string {
  return code.entitlements.map((e) => `${e.count} x ${e.displayName}`).join(', ') || 'no licenses';
}

export function udiOf(state: InstanceState): string {
  return formatUdi(makeUdi(productOf(state), state.uuid));
}

/**
 * Why the installed authorization code of a loaded state is not what this device would have installed, or
 * null when it is: it parses, is signed by the trusted key it names, is bound to this UDI and to the current
 * reservation, and names only this product's licenses. Run on every load, so editing the state file
 * cannot raise counts.
 */
export function installedCodeProblem(state: InstanceState, crypto: Pick<DeviceCrypto, 'verify'>): string | null {
  if (!state.installed) return null;
  let code: AuthorizationCode;
  try {
    code = installedCode(state)!;
  } catch (e) {
    return (e as Error).message;
  }
  const signer = state.trustedKeys.find((k) => k.id === state.installed!.signerKeyId);
  if (!signer || !crypto.verify(signer.publicKey, code.signedBytes, code.signature)) return 'its signature does not verify';
  const product = productOf(state);
  if (!sameUdi(code.udi, makeUdi(product, state.uuid))) return 'it is bound to another UDI';
  if (code.piid !== state.reservation?.piid) return 'it belongs to another reservation than the current one';
  if (code.entitlements.some((e) => !findEntitlement(product, e.tag))) return 'it names a license this product does not have';
  return null;
}
