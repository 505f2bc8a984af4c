/**
 * The product instance's engine entry points: execute a command, say which commands may run now, inspect a
 * code before installing it, and whether a command needs the device key. Everything about one command
 * lives in its entry of the command table (command-table.ts); the rules commands share are in rules.ts.
 * Each command returns the new state and what to tell the operator, or throws an SlrError (and then
 * nothing changed).
 */
import { installImpact, type InstallImpact } from './impact.ts';
import { parseAuthorizationCode, type AuthorizationCode } from '../codes/authorization-code.ts';
import { assertSaneTime } from '../codes/dates.ts';
import { describeError, isSlrError, refuse } from '../errors.ts';
import { makeUdi, sameUdi, formatUdi } from '../udi.ts';
import type { DeviceCrypto } from '../ports.ts';
import { REGISTRATION, type InstanceState, type TrustedKey } from './state.ts';
import { productOf } from './status.ts';
import { witnessesAfter } from './witness.ts';
import { COMMANDS, type Command, type CommandName, type ReservationCommand } from './command-table.ts';
import { advance, checkUsable, newWarnings, phaseOf, trustedSigner, type Context, type Outcome } from './rules.ts';

export type { Command, CommandName, ReservationCommand };

export interface Availability {
  readonly allowed: boolean;
  readonly why: string;
  readonly hint: string;
}

/** Every reservation command, while registered online: registration and reservation exclude each other. */
const ONLINE_WHY = [
  'This product instance is registered with License Central online (Smart Licensing): registration and reservation exclude each other.',
  'Deregister first (`license smart deregister`), then enable license reservation.',
] as const;

const RESERVATION_COMMANDS = (Object.keys(COMMANDS) as CommandName[]).filter((k) => 'phases' in COMMANDS[k]) as ReservationCommand[];

/** Whether a command may run in this state and, if not, why and what to do instead. */
function availabilityOf(command: CommandName, state: InstanceState): Availability {
  const spec = COMMANDS[command] as { phases?: Partial<Record<string, true>>; why?: Partial<Record<string, readonly [string, string]>> };
  if (!spec.phases) return { allowed: true, why: '', hint: '' };
  const c = state.cluster;
  if (c?.role === 'subscriber')
    return {
      allowed: false,
      why: `This product instance is a subscriber of the cluster of ${c.publisherUdi}: only its publisher (${c.publisher}) reserves licenses.`,
      hint: 'Run it on the publisher: one exchange serves the whole cluster.',
    };
  const phase = phaseOf(state);
  if (spec.phases[phase]) return { allowed: true, why: '', hint: '' };
  const [why, hint] = spec.why?.[phase] ?? (phase === 'online' ? ONLINE_WHY : ['This command is not allowed now.', '']);
  return { allowed: false, why, hint };
}

/** Whether each reservation command may run now and, if not, why and what to do instead. */
export function availability(state: InstanceState): Record<ReservationCommand, Availability> {
  return Object.fromEntries(RESERVATION_COMMANDS.map((c) => [c, availabilityOf(c, state)])) as Record<ReservationCommand, Availability>;
}

function assertAllowed(command: CommandName, state: InstanceState): void {
  const a = availabilityOf(command, state);
  if (!a.allowed) refuse('not-allowed', `Cannot run \`license smart reservation ${command}\`: ${a.why}`, a.hint);
}

/** Whether running `command` now makes a confirmation or return code, and so needs the device key. */
export function needsDeviceKey(command: Command, state: InstanceState): boolean {
  return COMMANDS[command.type].needsKey(state);
}

export function execute(state0: InstanceState, command: Command, ctx: Context): Outcome {
  assertSaneTime(ctx.now, 'The time');
  assertAllowed(command.type, state0);
  const state = advance(state0, ctx.now);
  const { type, ...args } = command;
  const spec = COMMANDS[type] as { run: (s: InstanceState, a: unknown, c: Context) => Outcome };
  const outcome = spec.run(state, args, ctx);
  const warnings = [...newWarnings(state0, state), ...(outcome.warnings ?? [])];
  return { ...outcome, ...(warnings.length ? { warnings } : {}) };
}

export interface Inspection {
  readonly code: AuthorizationCode;
  readonly signer: TrustedKey | null;
  readonly udiMatches: boolean;
  readonly isUpdate: boolean;
  readonly problems: string[];
  /** What installing it would do, license by license, and any loss of compliance it causes. */
  readonly impact: InstallImpact;
}

/**
 * What an operator sees before installing: the code's content, who signed it, whether it is for this
 * device, and everything that would stop the install. Refuses only a code that does not parse.
 */
export function inspectCode(state: InstanceState, input: string, crypto: DeviceCrypto, now: number): Inspection {
  const code = parseAuthorizationCode(input);
  const problems: string[] = [];
  let signer: TrustedKey | null = null;
  const attempt = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      problems.push(isSlrError(e) ? describeError(e) : (e as Error).message);
    }
  };
  attempt(() => {
    signer = trustedSigner(state, code, crypto);
  });
  const own = makeUdi(productOf(state), state.uuid);
  const udiMatches = sameUdi(code.udi, own);
  if (problems.length === 0) attempt(() => checkUsable(state, code));
  if (problems.length === 0 && signer) attempt(() => witnessesAfter(state, code, signer!, crypto, now));
  else if (!udiMatches) problems.push(`The authorization code is for another device (${formatUdi(code.udi)}); this device is ${formatUdi(own)}.`);
  attempt(() => assertAllowed('install', state));
  const impact = installImpact(state, code, now);
  return { code, signer, udiMatches, isUpdate: state.registration === REGISTRATION.registered, problems: [...new Set(problems)], impact };
}
