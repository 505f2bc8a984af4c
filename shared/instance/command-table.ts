/**
 * The product instance's commands, one entry each: the single source for where a command may run (and why
 * not, with what to do instead), whether it needs the device key, its arguments (a zod schema: the bridge
 * validates with it), its CLI form and help, and its handler. The Command type, the availability shown in
 * the app, the bridge's command schema, the CLI's parser, usage and per-command help are all derived from
 * this table. To add a command: add an entry here (and, if the app offers it, a control in the renderer).
 */
import { z } from 'zod';
import { findEntitlement } from '../catalog.ts';
import { parseAuthorizationCode } from '../codes/authorization-code.ts';
import { makeRequestCode } from '../codes/device-codes.ts';
import { fromBase64 } from '../bytes.ts';
import { refuse } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import { makeUdi, sameUdi } from '../udi.ts';
import { REGISTRATION, type InstanceState, type TrustedKey } from './state.ts';
import { deriveStatus, installedCode, productOf } from './status.ts';
import { closedReservationOf, closeReservation, newReservation } from './reservation.ts';
import { keysToTrust } from './trust.ts';
import { entry, phased, type CliParam } from './command-entry.ts';
import { acceptCode, checkUsable, confirmOrReturnCode, event, summary, timeAfterInstall, trustedSigner, withEvents } from './rules.ts';

export type { CliForm, CliParam } from './command-entry.ts';

const never = () => false;
const code = z.string().min(1).max(LIMITS.authorizationCodeChars);
const RESERVATION = 'license smart reservation';
const ENABLE = 'Run `license smart reservation enable` first.';
const REQUEST = 'Run `license smart reservation request` and take the request code to License Central.';
const codeParam: CliParam = { name: 'code', label: '"<authorization code>"', kind: 'text' };

export const COMMANDS = {
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
      const reservation = newReservation(state, ctx.crypto, t);
      const requestCode = makeRequestCode(productOf(state), state.uuid, key, reservation.nonce!);
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
      const { code: parsed, signer } = acceptCode(state, parseAuthorizationCode(args.code), ctx.crypto);
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
      const returnCode = confirmOrReturnCode(state, 'return', parsed, signer, ctx.crypto);
      const next = withEvents(
        {
          ...(inProgress ? closeReservation(state, 'returned-unused', t) : state),
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

  usage: entry({
    needsKey: never,
    args: z.strictObject({ tag: z.string().min(1).max(200), count: z.number().int().min(0).max(LIMITS.maxCount) }),
    bridge: true,
    cli: [
      {
        words: 'license usage',
        params: [
          { name: 'tag', label: '<tag or short name>', kind: 'text' },
          { name: 'count', label: '<count>', kind: 'count' },
        ],
        summary: "Set the product's current consumption of a license (what the product reports).",
        example: 'slr license usage UCM_Basic 25',
      },
    ],
    run: (state, args, ctx) => {
      const t = state.clock.highWater;
      const product = productOf(state);
      const def = findEntitlement(product, args.tag);
      if (!def)
        refuse(
          'unknown-license',
          `${args.tag} is not a license of ${product.name}.`,
          `Known licenses: ${product.entitlements.map((e) => e.short).join(', ')}.`,
        );
      if (!Number.isSafeInteger(args.count) || args.count < 0 || args.count > LIMITS.maxCount) {
        refuse('bad-count', `The usage count must be a whole number from 0 to ${LIMITS.maxCount}, not ${args.count}.`);
      }
      const before = state.usage[def.tag] ?? 0;
      if (args.count > before) {
        const status = deriveStatus(state, ctx.now);
        if (status.enforcement.active)
          refuse(
            'enforced',
            `Cannot add usage of ${def.displayName}: ${status.enforcement.reason}`,
            'Existing usage keeps working; reducing usage is always allowed.',
          );
        if (!status.installed && !def.inEvaluation)
          refuse(
            'not-in-evaluation',
            `${def.displayName} is not available in Evaluation Mode.`,
            'Reserve it in License Central and install the authorization code.',
          );
      }
      const usage = { ...state.usage };
      if (args.count === 0) delete usage[def.tag];
      else usage[def.tag] = args.count;
      const starts = state.evaluation.startedAt === null && args.count > 0;
      const next = withEvents(
        { ...state, usage, evaluation: starts ? { ...state.evaluation, startedAt: t } : state.evaluation },
        event(t, 'usage', `Usage of ${def.displayName}: ${before} -> ${args.count}.${starts ? ' The evaluation period starts.' : ''}`),
      );
      return { state: next, message: `Usage of ${def.short} is now ${args.count}.` };
    },
  }),

  'trust-add': entry({
    needsKey: never,
    args: z.strictObject({
      chain: z
        .array(z.strictObject({ id: z.string(), publicKey: z.string(), endorsement: z.custom<Uint8Array>((v) => v instanceof Uint8Array).nullable() }))
        .max(20),
      label: z.string().max(200),
      /** At the instance's creation only (init --trust, a packaged app's keys): no endorsement needed. */
      provision: z.boolean().optional(),
    }),
    bridge: false,
    cli: [
      {
        words: 'license trust add',
        params: [{ name: 'chain', label: '<key file>', kind: 'key-file' }],
        summary:
          'Trust a License Central key: the first provisions a device that trusts none; after that, only a key file from `slr authority key export` whose endorsements start at a trusted key.',
        example: 'slr license trust add /media/usb/license-central.pem',
      },
    ],
    run: (state, args, ctx) => {
      const t = state.clock.highWater;
      const provisioning = state.trustedKeys.length === 0 || args.provision === true;
      const added = keysToTrust(state.trustedKeys, args.chain, ctx.crypto, args.provision === true);
      const keys: TrustedKey[] = added.map((k) => ({ id: k.id, publicKey: k.publicKey, label: args.label, addedAt: t }));
      const ids = keys.map((k) => k.id).join(', ');
      const how = provisioning ? 'provisioned' : `endorsed by a key this device trusts`;
      const plural = keys.length === 1 ? '' : 's';
      return {
        state: withEvents(
          { ...state, trustedKeys: [...state.trustedKeys, ...keys] },
          event(t, 'trust-add', `License Central key${plural} ${ids} (${args.label}) trusted: ${how}.`),
        ),
        message: `License Central key${plural} ${ids} ${keys.length === 1 ? 'is' : 'are'} now trusted (${how}).`,
      };
    },
  }),

  'trust-remove': entry({
    needsKey: never,
    args: z.strictObject({ id: z.string().regex(/^[0-9a-f]{16}$/) }),
    bridge: false,
    cli: [
      {
        words: 'license trust remove',
        params: [{ name: 'id', label: '<key id>', kind: 'text' }],
        summary: 'Stop trusting a License Central key (never the last one).',
        example: 'slr license trust remove 1a2b3c4d5e6f7a8b',
      },
    ],
    run: (state, args) => {
      const t = state.clock.highWater;
      if (!state.trustedKeys.some((k) => k.id === args.id)) refuse('not-trusted', `No trusted key has the id ${args.id}.`);
      if (state.trustedKeys.length === 1) {
        refuse(
          'last-key',
          `The key ${args.id} is the only License Central key this device trusts; without it, no code could ever be checked, and no new key accepted.`,
          'Add its successor first (an endorsed key file from `slr authority key export`), then remove this one.',
        );
      }
      if (state.installed?.signerKeyId === args.id) {
        refuse(
          'key-in-use',
          `The key ${args.id} signed the installed reservation; it is needed to make its return code.`,
          'Return the reservation first, or install a code signed by another trusted key.',
        );
      }
      return {
        state: withEvents(
          { ...state, trustedKeys: state.trustedKeys.filter((k) => k.id !== args.id) },
          event(t, 'trust-remove', `License Central key ${args.id} no longer trusted.`),
        ),
        message: `License Central key ${args.id} is no longer trusted.`,
      };
    },
  }),
};

export type CommandName = keyof typeof COMMANDS;
/** A command's arguments (none: unknown, so that `{ type }` alone is the command). */
type ArgsOf<K extends CommandName> =
  (typeof COMMANDS)[K]['args'] extends z.ZodObject<infer S> ? (keyof S extends never ? unknown : z.infer<(typeof COMMANDS)[K]['args']>) : never;
/** A command with its arguments, as the engine takes it: `{ type: 'usage', tag, count }`. */
export type Command = { [K in CommandName]: { readonly type: K } & ArgsOf<K> }[CommandName];
/** The commands whose availability depends on the reservation's phase (the seeds' reservation commands). */
export type ReservationCommand = { [K in CommandName]: (typeof COMMANDS)[K] extends { phases: object } ? K : never }[CommandName];

/** The commands the bridge's generic `instanceCommand` takes. */
export type BridgeCommandName = { [K in CommandName]: (typeof COMMANDS)[K]['bridge'] extends true ? K : never }[CommandName];
export type BridgeCommand = Extract<Command, { readonly type: BridgeCommandName }>;

export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

/** The bridge's schema for `instanceCommand`, from the table: `{ type, …its arguments }`, nothing else. */
export function bridgeCommandSchema(): z.ZodType<BridgeCommand> {
  const variants = COMMAND_NAMES.filter((n) => COMMANDS[n].bridge).map((n) => (COMMANDS[n].args as z.ZodObject).extend({ type: z.literal(n) }));
  return z.discriminatedUnion('type', variants as unknown as [z.ZodObject, ...z.ZodObject[]]) as unknown as z.ZodType<BridgeCommand>;
}
