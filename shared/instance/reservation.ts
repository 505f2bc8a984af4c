/**
 * Codes belong to one reservation of one device key. A request starts a reservation (a fresh nonce); every
 * authorization code of it carries the piid derived from the UDI, this device's key and that nonce. A code
 * is usable only for the current reservation; once a reservation is returned or cancelled, all its codes
 * are dead on this device.
 */
import { nonceOfPiid, NONCE_BYTES, reservationPiid } from '../codes/device-codes.ts';
import { makeStateDigest, type StateDigest } from '../codes/state-digest.ts';
import { formatInstant } from '../codes/dates.ts';
import { fromBase64, toHex } from '../bytes.ts';
import { refuse } from '../errors.ts';
import type { CryptoBasics } from '../ports.ts';
import { makeUdi } from '../udi.ts';
import { MAX_CLOSED_RESERVATIONS, type ClosedReservation, type InstanceState, type Reservation } from './state.ts';
import { productOf } from './status.ts';

/**
 * The state digest every code of this device carries (shared/codes/state-digest.ts): the code of the
 * current reservation it runs (none before its first install) and the keys it trusts.
 */
export function stateDigest(state: InstanceState, crypto: CryptoBasics): StateDigest {
  const ran = Number(state.reservation?.lastTimestamp ?? '0');
  return makeStateDigest(
    crypto.sha256,
    ran > 0 ? ran : null,
    state.trustedKeys.map((k) => k.id),
  );
}

/** The subscribers a cluster publisher's request names (sorted); none for any other device. */
export function requestNodes(state: InstanceState): string[] {
  return state.cluster?.role === 'publisher' ? state.cluster.nodes.map((n) => n.name).sort() : [];
}

/** A new reservation: a fresh nonce, and the piid bound to this device's key, the request's digest and a publisher's nodes. */
export function newReservation(state: InstanceState, crypto: CryptoBasics, at: number, digest: StateDigest): Reservation {
  const key = fromBase64(state.deviceKey.publicKey);
  if (!key) throw new Error('device public key in the state is not base64');
  const nonce = toHex(crypto.randomBytes(NONCE_BYTES));
  const piid = reservationPiid(crypto.sha256, makeUdi(productOf(state), state.uuid), key, nonce, digest, requestNodes(state));
  return { nonce, piid, requestedAt: at, lastTimestamp: '0' };
}

/** The state with its current reservation closed (`how`), remembered for precise refusals. */
export function closeReservation(state: InstanceState, how: ClosedReservation['how'], at: number): InstanceState {
  const r = state.reservation;
  if (!r) return state;
  const closed = [...state.closedReservations, { nonce: r.nonce, piid: r.piid, how, at }].slice(-MAX_CLOSED_RESERVATIONS);
  return { ...state, reservation: null, closedReservations: closed };
}

const HOW: Record<ClosedReservation['how'], string> = {
  returned: 'returned',
  'returned-unused': 'given back without installing',
  cancelled: 'cancelled',
  restored: 'left behind by a backup of its state',
};

export function closedReservationOf(state: InstanceState, piid: string): ClosedReservation | undefined {
  const nonce = nonceOfPiid(piid);
  return state.closedReservations.find((c) => c.piid === piid || (c.nonce !== null && c.nonce === nonce));
}

/** Refuses, precisely, a code whose piid is not the current reservation's. */
export function assertCurrentReservation(state: InstanceState, piid: string): Reservation {
  const current = state.reservation;
  if (current && current.piid === piid) return current;
  if (current && current.nonce !== null && current.nonce === nonceOfPiid(piid)) {
    refuse(
      'altered-request',
      "The authorization code was issued for a request code whose key, state digest or cluster nodes are not this device's: it was altered in transit, and this device will not install it.",
      'Tell License Central: the request code it received was changed on the way. It should rehost that reservation to a new request code from this device (slr authority rehost), and the codes should be carried by someone you trust.',
    );
  }
  const closed = closedReservationOf(state, piid);
  if (closed) {
    refuse(
      'reservation-closed',
      `The authorization code was issued for a reservation this device has given back (${HOW[closed.how]} ${formatInstant(closed.at)}); its codes can no longer be used here.`,
      current ? 'Install a code issued for the current request.' : 'To use licenses, request a new reservation (`license smart reservation request`).',
    );
  }
  refuse(
    'other-reservation',
    current
      ? `The authorization code belongs to reservation ${piid}, not to this device's current reservation ${current.piid}.`
      : `The authorization code belongs to reservation ${piid}, which this device did not request.`,
    current
      ? 'Install the code License Central issued for the current request code of this device.'
      : 'Make a request (`license smart reservation request`) and take its request code to License Central.',
  );
}
