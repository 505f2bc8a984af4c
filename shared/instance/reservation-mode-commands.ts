/**
 * The reservation mode and its request: enable, disable, request, cancel: entries of the product instance's command table (command-table.ts says what an entry
 * holds).
 */
import { z } from 'zod/mini';
import { makeRequestCode } from '../codes/device-codes.ts';
import { fromBase64 } from '../bytes.ts';
import { refuse } from '../errors.ts';
import { REGISTRATION } from './state.ts';
import { productOf } from './status.ts';
import { closeReservation, newReservation, requestNodes, stateDigest } from './reservation.ts';
import { phased } from './command-entry.ts';
import { event, withEvents } from './rules.ts';
import { ENABLE, never, RESERVATION, REQUEST } from './command-words.ts';

export const RESERVATION_MODE_COMMANDS = {
  enable: phased({
    phases: { disabled: true, unregistered: true },
    why: {
      'in-progress': [
        'License reservation is already enabled and a reservation request is in progress.',
        'Install the authorization code, or cancel with `license smart reservation cancel`.',
      ],
      registered: ['License reservation is already enabled and a reservation is installed.', 'Nothing to do.'],
    },
    needsKey: never,
    args: z.strictObject({}),
    bridge: true,
    cli: [
      {
        words: `${RESERVATION} enable`,
        params: [],
        summary: 'Enable Specific License Reservation on this product instance.',
        example: `slr ${RESERVATION} enable`,
      },
    ],
    run: (state) => {
      if (state.reservationEnabled) refuse('not-allowed', 'License reservation is already enabled.', REQUEST);
      const at = state.clock.highWater;
      return {
        state: withEvents({ ...state, reservationEnabled: true }, event(at, 'enable', 'License reservation mode enabled.')),
        message: 'License reservation mode is enabled successfully.',
      };
    },
  }),

  disable: phased({
    phases: { unregistered: true },
    why: {
      disabled: ['License reservation is not enabled.', 'Nothing to do.'],
      'in-progress': [
        'A reservation request is in progress.',
        'Cancel it first with `license smart reservation cancel` (or, if License Central already issued a code, use `license smart reservation return-authorization`).',
      ],
      registered: [
        'A reservation is installed; disabling would strand its licenses.',
        'Return it first with `license smart reservation return` and enter the return code in License Central.',
      ],
    },
    needsKey: never,
    args: z.strictObject({}),
    bridge: true,
    cli: [
      {
        words: `${RESERVATION} disable`,
        params: [],
        summary: 'Disable license reservation (only when no reservation is in progress or installed).',
        example: `slr ${RESERVATION} disable`,
      },
    ],
    run: (state) => ({
      state: withEvents({ ...state, reservationEnabled: false }, event(state.clock.highWater, 'disable', 'License reservation mode disabled.')),
      message: 'License reservation mode is disabled.',
    }),
  }),

  request: phased({
    phases: { unregistered: true, 'in-progress': true },
    why: {
      disabled: ['License reservation is not enabled.', ENABLE],
      registered: [
        'A reservation is already installed.',
        'To change licenses, update the reservation in License Central and install the new code; to start over, run `license smart reservation return`.',
      ],
    },
    issues: 'request',
    needsKey: never,
    args: z.strictObject({}),
    bridge: true,
    cli: [
      {
        words: `${RESERVATION} request`,
        // Unity Connection's form of the command is `license smart reservation request specific`.
        params: [{ name: null, label: '[specific]', kind: 'optional-word' }],
        summary: 'Start a reservation: prints the request code to carry to License Central (again, while one is in progress).',
        example: `slr ${RESERVATION} request > request.txt`,
      },
    ],
    run: (state, _args, ctx) => {
      const t = state.clock.highWater;
      if (state.registration === REGISTRATION.inProgress && state.lastRequest) {
        return {
          state,
          message: 'A reservation request is already in progress; its request code is:',
          issued: { kind: 'request', code: state.lastRequest.code },
        };
      }
      const key = fromBase64(state.deviceKey.publicKey);
      if (!key) throw new Error('device public key in the state is not base64');
      const digest = stateDigest(state, ctx.crypto);
      const reservation = newReservation(state, ctx.crypto, t, digest);
      const requestCode = makeRequestCode(productOf(state), state.uuid, key, reservation.nonce!, digest, requestNodes(state));
      const next = withEvents(
        { ...state, registration: REGISTRATION.inProgress, reservation, lastRequest: { code: requestCode, at: t, piid: reservation.piid } },
        event(t, 'request', `Reservation request code generated for reservation ${reservation.piid}; registration is ${REGISTRATION.inProgress}.`),
      );
      return { state: next, message: 'Enter this request code in License Central (License Reservation):', issued: { kind: 'request', code: requestCode } };
    },
  }),

  cancel: phased({
    phases: { 'in-progress': true },
    why: {
      disabled: ['License reservation is not enabled, so there is no request to cancel.', ENABLE],
      unregistered: ['No reservation request is in progress.', 'Nothing to cancel.'],
      registered: ['The reservation is already installed and can no longer be cancelled.', 'Use `license smart reservation return` to give the licenses back.'],
    },
    needsKey: never,
    args: z.strictObject({}),
    bridge: true,
    cli: [
      {
        words: `${RESERVATION} cancel`,
        params: [],
        summary: 'Cancel the reservation request in progress; its codes can then never be installed.',
        example: `slr ${RESERVATION} cancel`,
      },
    ],
    run: (state) => {
      const t = state.clock.highWater;
      const piid = state.reservation?.piid;
      return {
        state: withEvents(
          { ...closeReservation(state, 'cancelled', t), registration: REGISTRATION.unregistered },
          event(t, 'cancel', `Reservation request ${piid} cancelled; codes issued for it will not be installed.`),
        ),
        message:
          'The reservation request is cancelled. If License Central already issued an authorization code for it, give that code back with `license smart reservation return-authorization "<code>"`, so its licenses return to the pool.',
      };
    },
  }),
};
