/**
 * The product instance's commands, as pure functions of (state, command, time, crypto port). Each returns
 * the new state and what to tell the operator, or throws an SlrError (and then nothing changed). Which
 * command is allowed in which state is the table ALLOWED below, the one place for that rule.
 */
import { findEntitlement, type ProductProfile } from '../catalog.ts';
import { parseAuthorizationCode, type AuthorizationCode } from '../codes/authorization-code.ts';
import { codeMessage, makeConfirmationCode, makeRequestCode, makeReturnCode } from '../codes/device-codes.ts';
import { assertSaneTime, DAY_MS, formatInstant } from '../codes/dates.ts';
import { fromBase64 } from '../bytes.ts';
import { refuse } from '../errors.ts';
import { makeUdi, sameUdi, formatUdi } from '../udi.ts';
import type { DeviceCrypto } from '../ports.ts';
import { REGISTRATION, SCHEMA_VERSION, type DeviceKeyRecord, type InstanceEvent, type InstanceState, type TrustedKey } from './state.ts';
import { deriveStatus, installedCode, productOf } from './status.ts';
import { accountTo, CLOCK_TOLERANCE_MS, clockBehindMs, effectiveNow } from './time.ts';
import { assertCurrentReservation, closedReservationOf, closeReservation, newReservation } from './reservation.ts';
import { keysToTrust, type OfferedKey } from './trust.ts';

/** A signed time further ahead of the device's than this is not adopted: one of the two clocks is wrong. */
export const FUTURE_TOLERANCE_MS = 2 * DAY_MS;

export interface Context {
  readonly now: number;
  readonly crypto: DeviceCrypto;
}

export type IssuedKind = 'request' | 'confirmation' | 'return';

export interface Outcome {
  readonly state: InstanceState;
  readonly message: string;
  readonly issued?: { readonly kind: IssuedKind; readonly code: string };
  /** Said once, beside the message: a clock found set back, a signed time not adopted. */
  readonly warnings?: readonly string[];
}

export type Command =
  | { readonly type: 'enable' }
  | { readonly type: 'disable' }
  | { readonly type: 'request' }
  | { readonly type: 'cancel' }
  | { readonly type: 'install'; readonly code: string }
  | { readonly type: 'return' }
  | { readonly type: 'return-authorization'; readonly code: string }
  | { readonly type: 'usage'; readonly tag: string; readonly count: number }
  /** `provision`: at the instance's creation only (init --trust, a packaged app's keys): no endorsement needed. */
  | { readonly type: 'trust-add'; readonly chain: readonly OfferedKey[]; readonly label: string; readonly provision?: boolean }
  | { readonly type: 'trust-remove'; readonly id: string };

type Phase = 'disabled' | 'unregistered' | 'in-progress' | 'registered';

function phaseOf(state: InstanceState): Phase {
  if (!state.reservationEnabled) return 'disabled';
  if (state.registration === REGISTRATION.inProgress) return 'in-progress';
  if (state.registration === REGISTRATION.registered) return 'registered';
  return 'unregistered';
}

const ENABLE = 'Run `license smart reservation enable` first.';
const REQUEST = 'Run `license smart reservation request` and take the request code to License Central.';
/** Where each reservation command may run, and what the operator is told to do instead. */
const ALLOWED: Record<string, Partial<Record<Phase, true>> & { why: Partial<Record<Phase, [string, string]>> }> = {
  enable: {
    disabled: true,
    unregistered: true,
    why: {
      'in-progress': [
        'License reservation is already enabled and a reservation request is in progress.',
        'Install the authorization code, or cancel with `license smart reservation cancel`.',
      ],
      registered: ['License reservation is already enabled and a reservation is installed.', 'Nothing to do.'],
    },
  },
  disable: {
    unregistered: true,
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
  },
  request: {
    unregistered: true,
    'in-progress': true,
    why: {
      disabled: ['License reservation is not enabled.', ENABLE],
      registered: [
        'A reservation is already installed.',
        'To change licenses, update the reservation in License Central and install the new code; to start over, run `license smart reservation return`.',
      ],
    },
  },
  cancel: {
    'in-progress': true,
    why: {
      disabled: ['License reservation is not enabled, so there is no request to cancel.', ENABLE],
      unregistered: ['No reservation request is in progress.', 'Nothing to cancel.'],
      registered: ['The reservation is already installed and can no longer be cancelled.', 'Use `license smart reservation return` to give the licenses back.'],
    },
  },
  install: {
    'in-progress': true,
    registered: true,
    why: {
      disabled: ['License reservation is not enabled.', ENABLE],
      unregistered: ['No reservation request is in progress.', REQUEST],
    },
  },
  return: {
    registered: true,
    why: {
      disabled: ['License reservation is not enabled and no reservation is installed.', 'Nothing to return.'],
      unregistered: ['No reservation is installed.', 'Nothing to return.'],
      'in-progress': [
        'No reservation is installed yet.',
        'To give back a code you received but did not install, use `license smart reservation return-authorization "<code>"`; otherwise `license smart reservation cancel`.',
      ],
    },
  },
  'return-authorization': {
    // Unregistered: only a code of a request this device cancelled (checked with the code).
    'in-progress': true,
    unregistered: true,
    why: {
      disabled: ['License reservation is not enabled.', ENABLE],
      registered: ['A reservation is installed.', 'Use `license smart reservation return` to give back the installed reservation.'],
    },
  },
};

export type ReservationCommand = 'enable' | 'disable' | 'request' | 'cancel' | 'install' | 'return' | 'return-authorization';

/** Whether a reservation command may run now and, if not, why and what to do instead. */
export function availability(state: InstanceState): Record<ReservationCommand, { allowed: boolean; why: string; hint: string }> {
  const phase = phaseOf(state);
  const entries = (Object.keys(ALLOWED) as ReservationCommand[]).map((command) => {
    const rule = ALLOWED[command]!;
    if (rule[phase]) return [command, { allowed: true, why: '', hint: '' }] as const;
    const [why, hint] = rule.why[phase] ?? ['This command is not allowed now.', ''];
    return [command, { allowed: false, why, hint }] as const;
  });
  return Object.fromEntries(entries) as Record<ReservationCommand, { allowed: boolean; why: string; hint: string }>;
}

function assertAllowed(command: string, state: InstanceState): void {
  const a = availability(state)[command as ReservationCommand];
  if (!a || a.allowed) return;
  refuse('not-allowed', `Cannot run \`license smart reservation ${command}\`: ${a.why}`, a.hint);
}

const event = (at: number, type: string, message: string): InstanceEvent => ({ at, type, message });

function withEvents(state: InstanceState, ...events: InstanceEvent[]): InstanceState {
  return { ...state, events: [...state.events, ...events] };
}

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
  if (!behind || state.clock.behind) return next;
  return withEvents(next, event(t, 'clock-rollback', clockBehindWarning(now, behind, state.clock.highWater)));
}

export function clockBehindWarning(now: number, behind: number, highWater: number): string {
  return (
    `The device clock (${formatInstant(now)}) is ${Math.round(behind / 60_000)} minutes behind the latest time seen (${formatInstant(highWater)}); ` +
    'time is taken as the latest seen, and nothing is given back.'
  );
}

/** What `advance` newly logged, as warnings for the operator. */
function newWarnings(before: InstanceState, after: InstanceState): string[] {
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
  };
}

/** Verifies the signature with the trusted keys; returns the signer, or refuses as untrusted. */
function trustedSigner(state: InstanceState, code: AuthorizationCode, crypto: DeviceCrypto): TrustedKey {
  if (state.trustedKeys.length === 0) {
    refuse(
      'untrusted',
      'The authorization code cannot be checked: this device trusts no License Central signing key yet.',
      'Add the public key file exported by License Central with `slr license trust add <file>`, then install again.',
    );
  }
  const signer = state.trustedKeys.find((k) => crypto.verify(k.publicKey, code.signedBytes, code.signature));
  if (!signer) {
    refuse(
      'untrusted',
      'The authorization code is not signed by a License Central key this device trusts (or it was changed after signing).',
      'Check that the code comes from your License Central and was copied whole; if License Central uses a new key, add it with `slr license trust add <file>`.',
    );
  }
  return signer;
}

export interface Inspection {
  readonly code: AuthorizationCode;
  readonly signer: TrustedKey | null;
  readonly udiMatches: boolean;
  readonly isUpdate: boolean;
  readonly problems: string[];
}

/**
 * What an operator sees before installing: the code's content, who signed it, whether it is for this
 * device, and everything that would stop the install. Refuses only a code that does not parse.
 */
export function inspectCode(state: InstanceState, input: string, crypto: DeviceCrypto): Inspection {
  const code = parseAuthorizationCode(input);
  const problems: string[] = [];
  let signer: TrustedKey | null = null;
  const attempt = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      problems.push((e as Error).message);
    }
  };
  attempt(() => {
    signer = trustedSigner(state, code, crypto);
  });
  const own = makeUdi(productOf(state), state.uuid);
  const udiMatches = sameUdi(code.udi, own);
  if (problems.length === 0) attempt(() => checkUsable(state, code));
  else if (!udiMatches) problems.push(`The authorization code is for another device (${formatUdi(code.udi)}); this device is ${formatUdi(own)}.`);
  attempt(() => assertAllowed('install', state));
  return { code, signer, udiMatches, isUpdate: state.registration === REGISTRATION.registered, problems: [...new Set(problems)] };
}

/** Everything that decides whether this device may use `code`: trust, then binding, freshness, known licenses. */
function acceptCode(state: InstanceState, code: AuthorizationCode, crypto: DeviceCrypto): { code: AuthorizationCode; signer: TrustedKey } {
  const signer = trustedSigner(state, code, crypto);
  checkUsable(state, code);
  return { code, signer };
}

/**
 * A trusted code is usable here when it is bound to this UDI, belongs to the current reservation (issued
 * against this device's key), is newer than any code of it installed before, and all its licenses are this
 * product's.
 */
function checkUsable(state: InstanceState, code: AuthorizationCode): void {
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
function timeAfterInstall(state: InstanceState, issuedAt: number, requestedAt: number, now: number): { state: InstanceState; warnings: string[] } {
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

function confirmOrReturnCode(state: InstanceState, purpose: 'confirm' | 'return', code: AuthorizationCode, signer: TrustedKey, crypto: DeviceCrypto): string {
  const udi = makeUdi(productOf(state), state.uuid);
  const mac = crypto.mac(signer.publicKey, codeMessage(purpose, code.piid, code.timestamp, udi));
  return purpose === 'confirm' ? makeConfirmationCode(mac) : makeReturnCode(udi, mac);
}

function summary(code: AuthorizationCode): string {
  return code.entitlements.map((e) => `${e.count} x ${e.displayName}`).join(', ') || 'no licenses';
}

export function execute(state0: InstanceState, command: Command, ctx: Context): Outcome {
  assertSaneTime(ctx.now, 'The time');
  if (command.type in ALLOWED) assertAllowed(command.type, state0);
  const state = advance(state0, ctx.now);
  const outcome = run(state, command, ctx);
  const warnings = [...newWarnings(state0, state), ...(outcome.warnings ?? [])];
  // A command that changed nothing (request shown again) keeps the clock reading all the same.
  return { ...outcome, state: outcome.state === state0 ? state : outcome.state, ...(warnings.length ? { warnings } : {}) };
}

function run(state: InstanceState, command: Command, ctx: Context): Outcome {
  const t = state.clock.highWater;
  const product = productOf(state);

  switch (command.type) {
    case 'enable':
      if (state.reservationEnabled) refuse('not-allowed', 'License reservation is already enabled.', REQUEST);
      return {
        state: withEvents({ ...state, reservationEnabled: true }, event(t, 'enable', 'License reservation mode enabled.')),
        message: 'License reservation mode is enabled successfully.',
      };

    case 'disable':
      return {
        state: withEvents({ ...state, reservationEnabled: false }, event(t, 'disable', 'License reservation mode disabled.')),
        message: 'License reservation mode is disabled.',
      };

    case 'request': {
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
      const code = makeRequestCode(product, state.uuid, key, reservation.nonce!);
      const next = withEvents(
        { ...state, registration: REGISTRATION.inProgress, reservation, lastRequest: { code, at: t, piid: reservation.piid } },
        event(t, 'request', `Reservation request code generated for reservation ${reservation.piid}; registration is ${REGISTRATION.inProgress}.`),
      );
      return { state: next, message: 'Enter this request code in License Central (License Reservation):', issued: { kind: 'request', code } };
    }

    case 'cancel': {
      const piid = state.reservation?.piid;
      return {
        state: withEvents(
          { ...closeReservation(state, 'cancelled', t), registration: REGISTRATION.unregistered },
          event(t, 'cancel', `Reservation request ${piid} cancelled; codes issued for it will not be installed.`),
        ),
        message:
          'The reservation request is cancelled. If License Central already issued an authorization code for it, give that code back with `license smart reservation return-authorization "<code>"`, so its licenses return to the pool.',
      };
    }

    case 'install': {
      const { code, signer } = acceptCode(state, parseAuthorizationCode(command.code), ctx.crypto);
      const reservation = state.reservation!;
      const update = state.registration === REGISTRATION.registered;
      const { state: base, warnings } = timeAfterInstall(state, Number(code.timestamp), reservation.requestedAt, ctx.now);
      const at = base.clock.highWater;
      let next: InstanceState = {
        ...base,
        registration: REGISTRATION.registered,
        installed: { code: code.text, signerKeyId: signer.id, installedAt: at },
        reservation: { ...reservation, lastTimestamp: code.timestamp },
        overage: { usedMs: 0 },
      };
      if (!update) {
        next = withEvents(next, event(at, 'install', `Authorization code ${code.piid} (${code.timestamp}) installed: ${summary(code)}.`));
        return { state: next, message: 'Authorization code installed successfully.', warnings };
      }
      const confirmation = confirmOrReturnCode(state, 'confirm', code, signer, ctx.crypto);
      next = withEvents(
        { ...next, lastConfirmation: { code: confirmation, at, piid: code.piid, timestamp: code.timestamp } },
        event(at, 'update', `Updated authorization code ${code.piid} (${code.timestamp}) installed: ${summary(code)}. Confirmation code ${confirmation}.`),
      );
      return {
        state: next,
        message: 'Authorization code installed successfully. Enter this confirmation code in License Central to complete the update:',
        issued: { kind: 'confirmation', code: confirmation },
        warnings,
      };
    }

    case 'return': {
      const code = installedCode(state)!;
      const signer = state.trustedKeys.find((k) => k.id === state.installed!.signerKeyId);
      if (!signer) {
        refuse(
          'untrusted',
          'The key that signed the installed reservation is no longer trusted, so no return code can be made for it.',
          'Add that License Central key again with `slr license trust add <file>`.',
        );
      }
      const returnCode = confirmOrReturnCode(state, 'return', code, signer, ctx.crypto);
      const next = withEvents(
        {
          ...closeReservation(state, 'returned', t),
          registration: REGISTRATION.unregistered,
          installed: null,
          overage: { usedMs: 0 },
          lastReturn: { code: returnCode, at: t, piid: code.piid, timestamp: code.timestamp },
        },
        event(
          t,
          'return',
          `Reservation ${code.piid} returned; return code ${returnCode}. Its codes can no longer be installed here. Evaluation resumes with the days left.`,
        ),
      );
      return {
        state: next,
        message: 'The reservation is removed from this device. Enter this return code in License Central to return the licenses to the pool:',
        issued: { kind: 'return', code: returnCode },
      };
    }

    case 'return-authorization': {
      const code = parseAuthorizationCode(command.code);
      const signer = trustedSigner(state, code, ctx.crypto);
      const inProgress = state.registration === REGISTRATION.inProgress;
      if (!inProgress) {
        // Unregistered: only a code of a request this device cancelled may still be given back.
        const closed = closedReservationOf(state, code.piid);
        if (!sameUdi(code.udi, makeUdi(product, state.uuid)) || closed?.piid !== code.piid || closed.how !== 'cancelled') {
          refuse(
            'not-allowed',
            'Cannot run `license smart reservation return-authorization`: no reservation request is in progress, and this code is not of a request this device cancelled.',
            closed
              ? 'That reservation was already given back; nothing to do.'
              : 'A code can be given back only while its request is in progress, or after cancelling that request.',
          );
        }
      } else {
        checkUsable(state, code);
      }
      const returnCode = confirmOrReturnCode(state, 'return', code, signer, ctx.crypto);
      const closedState = inProgress ? closeReservation(state, 'returned-unused', t) : state;
      const next = withEvents(
        {
          ...closedState,
          registration: REGISTRATION.unregistered,
          lastReturn: { code: returnCode, at: t, piid: code.piid, timestamp: code.timestamp },
        },
        event(
          t,
          'return-authorization',
          `Authorization code ${code.piid} (${code.timestamp}) given back without installing; return code ${returnCode}. Codes of this reservation can no longer be installed here.`,
        ),
      );
      return {
        state: next,
        message: 'The authorization code will not be installed. Enter this return code in License Central to return its licenses to the pool:',
        issued: { kind: 'return', code: returnCode },
      };
    }

    case 'usage': {
      const def = findEntitlement(product, command.tag);
      if (!def) {
        refuse(
          'unknown-license',
          `${command.tag} is not a license of ${product.name}.`,
          `Known licenses: ${product.entitlements.map((e) => e.short).join(', ')}.`,
        );
      }
      if (!Number.isSafeInteger(command.count) || command.count < 0 || command.count > 9_999_999) {
        refuse('bad-count', `The usage count must be a whole number from 0 to 9999999, not ${command.count}.`);
      }
      const before = state.usage[def.tag] ?? 0;
      if (command.count > before) {
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
      if (command.count === 0) delete usage[def.tag];
      else usage[def.tag] = command.count;
      const starts = state.evaluation.startedAt === null && command.count > 0;
      const next = withEvents(
        { ...state, usage, evaluation: starts ? { ...state.evaluation, startedAt: t } : state.evaluation },
        event(t, 'usage', `Usage of ${def.displayName}: ${before} -> ${command.count}.${starts ? ' The evaluation period starts.' : ''}`),
      );
      return { state: next, message: `Usage of ${def.short} is now ${command.count}.` };
    }

    case 'trust-add': {
      const provisioning = state.trustedKeys.length === 0 || command.provision === true;
      const added = keysToTrust(state.trustedKeys, command.chain, ctx.crypto, command.provision === true);
      const keys: TrustedKey[] = added.map((k) => ({ id: k.id, publicKey: k.publicKey, label: command.label, addedAt: t }));
      const ids = keys.map((k) => k.id).join(', ');
      const how = provisioning ? 'provisioned' : `endorsed by a key this device trusts`;
      return {
        state: withEvents(
          { ...state, trustedKeys: [...state.trustedKeys, ...keys] },
          event(t, 'trust-add', `License Central key${keys.length === 1 ? '' : 's'} ${ids} (${command.label}) trusted: ${how}.`),
        ),
        message: `License Central key${keys.length === 1 ? '' : 's'} ${ids} ${keys.length === 1 ? 'is' : 'are'} now trusted (${how}).`,
      };
    }

    case 'trust-remove': {
      if (!state.trustedKeys.some((k) => k.id === command.id)) refuse('not-trusted', `No trusted key has the id ${command.id}.`);
      if (state.trustedKeys.length === 1) {
        refuse(
          'last-key',
          `The key ${command.id} is the only License Central key this device trusts; without it, no code could ever be checked, and no new key accepted.`,
          'Add its successor first (an endorsed key file from `slr authority key export`), then remove this one.',
        );
      }
      if (state.installed?.signerKeyId === command.id) {
        refuse(
          'key-in-use',
          `The key ${command.id} signed the installed reservation; it is needed to make its return code.`,
          'Return the reservation first, or install a code signed by another trusted key.',
        );
      }
      return {
        state: withEvents(
          { ...state, trustedKeys: state.trustedKeys.filter((k) => k.id !== command.id) },
          event(t, 'trust-remove', `License Central key ${command.id} no longer trusted.`),
        ),
        message: `License Central key ${command.id} is no longer trusted.`,
      };
    }
  }
}

export function udiOf(state: InstanceState): string {
  return formatUdi(makeUdi(productOf(state), state.uuid));
}
