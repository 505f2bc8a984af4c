/**
 * The authorization code's commands: install, return, return-authorization: entries of the product instance's command table (command-table.ts says what an entry
 * holds).
 */
import { z } from 'zod/mini';
import { parseAuthorizationCode } from '../codes/authorization-code.ts';
import { refuse } from '../errors.ts';
import { makeUdi, sameUdi } from '../udi.ts';
import { REGISTRATION, type InstanceState } from './state.ts';
import { installedCode, productOf } from './status.ts';
import { closedReservationOf, closeReservation } from './reservation.ts';
import { phased } from './command-entry.ts';
import { witnessesAfter } from './witness.ts';
import { acceptCode, checkUsable, confirmOrReturnCode, event, summary, timeAfterInstall, trustedSigner, withEvents } from './rules.ts';
import { code, codeParam, ENABLE, RESERVATION, REQUEST } from './command-words.ts';

export const RESERVATION_CODE_COMMANDS = {
  install: phased({
    phases: { 'in-progress': true, registered: true },
    why: { disabled: ['License reservation is not enabled.', ENABLE], unregistered: ['No reservation request is in progress.', REQUEST] },
    // An update's install answers with a confirmation code.
    issues: 'confirmation',
    needsKey: (state) => state.registration === REGISTRATION.registered,
    args: z.strictObject({ code }),
    bridge: false,
    cli: [
      {
        words: `${RESERVATION} install`,
        params: [codeParam],
        summary: 'Verify and install an authorization code (an update answers with a confirmation code).',
        example: `slr ${RESERVATION} install "<specificPLR>…</specificPLR>"`,
      },
      {
        words: `${RESERVATION} install-file`,
        params: [{ name: 'code', label: '<path>', kind: 'code-file' }],
        summary: 'The same, from a code file (a local path or a file:// URL).',
        example: `slr ${RESERVATION} install-file /media/usb/cc920-authorization.txt`,
      },
    ],
    run: (state, args, ctx) => {
      const { code: parsed, signer, witness } = acceptCode(state, parseAuthorizationCode(args.code), ctx.crypto, ctx.now);
      const reservation = state.reservation!;
      const update = state.registration === REGISTRATION.registered;
      const { state: base, warnings } = timeAfterInstall(state, Number(parsed.timestamp), reservation.requestedAt, ctx.now);
      const at = base.clock.highWater;
      let next: InstanceState = {
        ...base,
        registration: REGISTRATION.registered,
        installed: { code: parsed.text, signerKeyId: signer.id, installedAt: at, parsed },
        reservation: { ...reservation, lastTimestamp: parsed.timestamp },
        overage: { usedMs: 0 },
        ...(witness.length ? { witness } : {}),
      };
      if (!update) {
        next = withEvents(next, event(at, 'install', `Authorization code ${parsed.piid} (${parsed.timestamp}) installed: ${summary(parsed)}.`));
        return { state: next, message: 'Authorization code installed successfully.', warnings };
      }
      const confirmation = confirmOrReturnCode(state, 'confirm', parsed, signer, ctx.crypto);
      next = withEvents(
        { ...next, lastConfirmation: { code: confirmation, at, piid: parsed.piid, timestamp: parsed.timestamp } },
        event(
          at,
          'update',
          `Updated authorization code ${parsed.piid} (${parsed.timestamp}) installed: ${summary(parsed)}. Confirmation code ${confirmation}.`,
        ),
      );
      return {
        state: next,
        message: 'Authorization code installed successfully. Enter this confirmation code in License Central to complete the update:',
        issued: { kind: 'confirmation', code: confirmation },
        warnings,
      };
    },
  }),

  return: phased({
    phases: { registered: true },
    why: {
      disabled: ['License reservation is not enabled and no reservation is installed.', 'Nothing to return.'],
      unregistered: ['No reservation is installed.', 'Nothing to return; the last return code, if any, is shown by `slr show license reservation`.'],
      'in-progress': [
        'No reservation is installed yet.',
        'To give back a code you received but did not install, use `license smart reservation return-authorization "<code>"`; otherwise `license smart reservation cancel`.',
      ],
    },
    issues: 'return',
    needsKey: () => true,
    args: z.strictObject({}),
    bridge: true,
    cli: [
      {
        words: `${RESERVATION} return`,
        params: [],
        summary: 'Remove the installed reservation and print the return code to carry to License Central.',
        example: `slr ${RESERVATION} return`,
      },
    ],
    run: (state, _args, ctx) => {
      const t = state.clock.highWater;
      const installed = installedCode(state)!;
      const signer = state.trustedKeys.find((k) => k.id === state.installed!.signerKeyId);
      if (!signer) {
        refuse(
          'untrusted',
          'The key that signed the installed reservation is no longer trusted, so no return code can be made for it.',
          'Add that License Central key again with `slr license trust add <file>`.',
        );
      }
      const returnCode = confirmOrReturnCode(state, 'return', installed, signer, ctx.crypto);
      const next = withEvents(
        {
          ...closeReservation(state, 'returned', t),
          registration: REGISTRATION.unregistered,
          installed: null,
          overage: { usedMs: 0 },
          lastReturn: { code: returnCode, at: t, piid: installed.piid, timestamp: installed.timestamp },
        },
        event(
          t,
          'return',
          `Reservation ${installed.piid} returned; return code ${returnCode}. Its codes can no longer be installed here. Evaluation resumes with the days left.`,
        ),
      );
      return {
        state: next,
        message: 'The reservation is removed from this device. Enter this return code in License Central to return the licenses to the pool:',
        issued: { kind: 'return', code: returnCode },
      };
    },
  }),

  'return-authorization': phased({
    // Unregistered: only a code of a request this device cancelled (checked with the code).
    phases: { 'in-progress': true, unregistered: true },
    why: {
      disabled: ['License reservation is not enabled.', ENABLE],
      registered: ['A reservation is installed.', 'Use `license smart reservation return` to give back the installed reservation.'],
    },
    issues: 'return',
    needsKey: () => true,
    args: z.strictObject({ code }),
    bridge: false,
    cli: [
      {
        words: `${RESERVATION} return-authorization`,
        params: [codeParam],
        summary: 'Give back an authorization code that was never installed (of the request in progress, or of one cancelled); prints the return code.',
        example: `slr ${RESERVATION} return-authorization "<specificPLR>…</specificPLR>"`,
      },
    ],
    run: (state, args, ctx) => {
      const t = state.clock.highWater;
      const parsed = parseAuthorizationCode(args.code);
      const signer = trustedSigner(state, parsed, ctx.crypto);
      const inProgress = state.registration === REGISTRATION.inProgress;
      if (!inProgress) {
        const closed = closedReservationOf(state, parsed.piid);
        if (!sameUdi(parsed.udi, makeUdi(productOf(state), state.uuid)) || closed?.piid !== parsed.piid || closed.how !== 'cancelled') {
          refuse(
            'not-allowed',
            'Cannot run `license smart reservation return-authorization`: no reservation request is in progress, and this code is not of a request this device cancelled.',
            closed
              ? 'That reservation was already given back; nothing to do.'
              : 'A code can be given back only while its request is in progress, or after cancelling that request.',
          );
        }
      } else {
        checkUsable(state, parsed);
      }
      // Giving back a code of a License Central that went back would return licenses to a ledger that lost them.
      const witness = witnessesAfter(state, parsed, signer, ctx.crypto, ctx.now);
      const returnCode = confirmOrReturnCode(state, 'return', parsed, signer, ctx.crypto);
      const next = withEvents(
        {
          ...(inProgress ? closeReservation(state, 'returned-unused', t) : state),
          ...(witness.length ? { witness } : {}),
          registration: REGISTRATION.unregistered,
          lastReturn: { code: returnCode, at: t, piid: parsed.piid, timestamp: parsed.timestamp },
        },
        event(
          t,
          'return-authorization',
          `Authorization code ${parsed.piid} (${parsed.timestamp}) given back without installing; return code ${returnCode}. Codes of this reservation can no longer be installed here.`,
        ),
      );
      return {
        state: next,
        message: 'The authorization code will not be installed. Enter this return code in License Central to return its licenses to the pool:',
        issued: { kind: 'return', code: returnCode },
      };
    },
  }),
};
