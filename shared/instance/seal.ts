/**
 * The device's state is sealed: every save writes, beside the state, a MAC over all of it (trust anchors,
 * clocks, evaluation, counters, the reservation, the whole event log) and the head of the log (how many
 * events, the hash of the last), under a key derived from the device key. A state edited outside SLR Desk,
 * or whose last events were cut off, no longer matches its seal and is refused until it is recovered. The
 * MAC itself is the Node side's (crypto lives there); what it covers, and the recovery rule, are here.
 */
import { refuse } from '../errors.ts';
import { event, REGISTRATION, withEvents, type InstanceState } from './state.ts';
import { EVALUATION_MS, OVERAGE_GRACE_MS } from './time.ts';
import { counted } from '../lifetime.ts';

/** What is saved beside the state: the log's head and the MAC (base64url) over the state and the head. */
export interface StateSeal {
  readonly v: 1;
  /** How many events the log had, and the hash of the last one (the chain's head): a cut-off log shows. */
  readonly events: number;
  readonly head: string | null;
  readonly mac: string;
}

/** The seal's place in the saved file, beside the state's own fields. */
export const SEAL_FIELD = 'seal';

/** JSON with every object's keys sorted, so the same state gives the same text however it was built or read. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The log's head of a saved state: its length and the hash of its last event. */
export function logHead(events: readonly { readonly hash?: string | null }[]): { events: number; head: string | null } {
  return { events: events.length, head: events.at(-1)?.hash ?? null };
}

/** The text the MAC covers: the saved state (without its seal) and the head of its log. */
export function sealInput(saved: Readonly<Record<string, unknown>>, head: { events: number; head: string | null }): string {
  const { [SEAL_FIELD]: _seal, ...state } = saved;
  return `SLR-STATE-1\n${head.events}\n${head.head ?? ''}\n${canonicalJson(state)}`;
}

/** Why a saved state does not match its seal (given the MAC it should carry), or null when it does. */
export function sealProblem(saved: Readonly<Record<string, unknown>>, expectedMac: (head: { events: number; head: string | null }) => string): string | null {
  const seal = saved[SEAL_FIELD] as Partial<StateSeal> | undefined;
  if (!seal || typeof seal !== 'object' || seal.v !== 1 || typeof seal.mac !== 'string' || typeof seal.events !== 'number')
    return 'it carries no seal (written outside SLR Desk, or by a version before seals)';
  const events = Array.isArray(saved.events) ? (saved.events as { hash?: string }[]) : [];
  if (events.length < seal.events)
    return `${counted(seal.events - events.length, 'event')} ${seal.events - events.length === 1 ? 'was' : 'were'} removed from the end of its log (the seal counts ${seal.events})`;
  if (events.length > seal.events)
    return `${counted(events.length - seal.events, 'event')} ${events.length - seal.events === 1 ? 'was' : 'were'} added to its log after it was sealed`;
  if ((events.at(-1)?.hash ?? null) !== (seal.head ?? null)) return 'its last event is not the one it was sealed with';
  if (expectedMac({ events: seal.events, head: seal.head ?? null }) !== seal.mac) return 'its content does not match its seal';
  return null;
}

/** The refusal of a state that does not match its seal. */
export function refuseUnsealed(file: string, problem: string): never {
  refuse(
    'state-tampered',
    `The state file ${file} was changed outside SLR Desk: ${problem}. Nothing was done.`,
    'Restore product-instance.json from a backup, or recover this instance (`slr recover --trust FILE`): it keeps its identity, key and log, is provisioned again with the key files given, and gets no evaluation back.',
  );
}

/**
 * A state brought back by hand (recovered, or restored from a backup) gains no time: its evaluation ended,
 * its overage at the limit, its latest time at least now (nothing an edit or an old copy could buy comes back).
 */
export function withNoTimeBack(state: InstanceState, now: number): InstanceState {
  const highWater = Math.max(state.clock.highWater, now);
  return {
    ...state,
    evaluation: { startedAt: state.evaluation.startedAt ?? now, usedMs: EVALUATION_MS },
    overage: { usedMs: Math.max(state.overage.usedMs, OVERAGE_GRACE_MS) },
    clock: { ...state.clock, highWater, accountedTo: highWater, behind: false },
  };
}

/**
 * A state that failed its seal, as far as it can be trusted again: its identity, key, usage and log kept; its
 * trust anchors dropped (provisioned again with the key files the operator gives); its evaluation ended and
 * its overage at the limit (nothing an edit could have bought comes back); its online registration dropped
 * (the device registers again, with force); its latest time at least now. The installed reservation is
 * kept only if its code verifies against the keys provisioned again (see keepVerifiedReservation).
 */
export function recoveredState(state: InstanceState, problem: string, now: number): InstanceState {
  const recovered: InstanceState = { ...withNoTimeBack(state, now), trustedKeys: [], online: null };
  return withEvents(
    recovered,
    event(
      now,
      'state-recovered',
      `The state was found changed outside SLR Desk (${problem}) and recovered: trust anchors to be provisioned again, evaluation ended, online registration dropped.`,
    ),
  );
}

/** After recovery: the reservation stays only if its installed code verifies against the trust provisioned again. */
export function keepVerifiedReservation(state: InstanceState, codeProblem: string | null, now: number): InstanceState {
  if (!state.installed || codeProblem === null) return state;
  return withEvents(
    { ...state, installed: null, reservation: null, registration: REGISTRATION.unregistered, lastRequest: null, lastConfirmation: null },
    event(
      now,
      'state-recovered',
      `The installed authorization code was dropped: ${codeProblem} with the keys provisioned again. License Central still holds its licenses: rehost or remove the instance there.`,
    ),
  );
}
