/**
 * The operator's next step, as data: of the reservation steps exactly one is current (or none, while
 * reservation is off), the others are done (their codes one click away), available or unavailable. The app
 * draws this table; nothing else decides which step is the current one.
 */
import { REGISTRATION, type RegistrationStatus } from './state.ts';
import { graceLeft } from './status-text.ts';

/** The registration shown: reservation's statuses, or Smart Licensing online's (where no reservation step applies). */
type ShownRegistration = RegistrationStatus | 'Registered' | 'Registration Expired';

export type FlowStepId = 'request' | 'install' | 'installed' | 'confirmation' | 'return';
export type FlowStepState = 'current' | 'done' | 'available' | 'unavailable';

export interface FlowInput {
  readonly reservationEnabled: boolean;
  readonly registration: ShownRegistration;
  /** A confirmation code from the last installed update (to carry to License Central). */
  readonly hasConfirmation: boolean;
  /** A return code made since the last request (to carry to License Central). */
  readonly hasReturn: boolean;
}

export interface FlowStep {
  readonly id: FlowStepId;
  readonly title: string;
  readonly state: FlowStepState;
}

export interface OperatorFlow {
  readonly current: FlowStepId | null;
  /** One sentence: what to do now. */
  readonly next: string;
  readonly steps: readonly FlowStep[];
}

const TITLES: Record<FlowStepId, string> = {
  request: 'Request code',
  install: 'Authorization code',
  installed: 'Reservation installed',
  confirmation: 'Confirmation code',
  return: 'Return code',
};

type Phase = 'off' | 'start' | 'waiting' | 'reserved' | 'confirm' | 'returned';

/** For each phase: the current step, what to do, and the state of every step. */
const PHASES: Record<Phase, { current: FlowStepId | null; next: string; states: Record<FlowStepId, FlowStepState> }> = {
  off: {
    current: null,
    next: 'License reservation is off: enable it to reserve licenses from License Central.',
    states: { request: 'unavailable', install: 'unavailable', installed: 'unavailable', confirmation: 'unavailable', return: 'unavailable' },
  },
  start: {
    current: 'request',
    next: 'Generate a request code and carry it to License Central.',
    states: { request: 'current', install: 'unavailable', installed: 'unavailable', confirmation: 'unavailable', return: 'unavailable' },
  },
  waiting: {
    current: 'install',
    next: 'Carry the request code to License Central (its License Reservation tab), then install the authorization code it gives you.',
    states: { request: 'done', install: 'current', installed: 'unavailable', confirmation: 'unavailable', return: 'unavailable' },
  },
  reserved: {
    current: 'installed',
    next: 'The reservation is installed. To change it, install an update from License Central; to give the licenses back, return it.',
    states: { request: 'done', install: 'available', installed: 'current', confirmation: 'unavailable', return: 'available' },
  },
  confirm: {
    current: 'confirmation',
    next: 'Carry this confirmation code to License Central, so that it releases the licenses held in transition.',
    states: { request: 'done', install: 'available', installed: 'done', confirmation: 'current', return: 'available' },
  },
  returned: {
    current: 'return',
    next: 'Carry this return code to License Central, so that it gives the licenses back to the pool.',
    states: { request: 'available', install: 'unavailable', installed: 'unavailable', confirmation: 'unavailable', return: 'current' },
  },
};

function phaseOf(i: FlowInput): Phase {
  if (i.registration === REGISTRATION.registered) return i.hasConfirmation ? 'confirm' : 'reserved';
  if (i.registration === REGISTRATION.inProgress) return 'waiting';
  // A return code not yet carried stays the current step even if reservation was turned off after it.
  if (i.hasReturn) return 'returned';
  return i.reservationEnabled ? 'start' : 'off';
}

interface Issued {
  readonly at: number;
  readonly timestamp?: string;
}

/** The flow's input from what the device shows: which codes are still to be carried. */
export function flowInputOf(v: {
  readonly status: {
    readonly reservationEnabled: boolean;
    readonly registration: ShownRegistration;
    readonly installed: { readonly timestamp: string } | null;
  };
  readonly lastRequest: Issued | null;
  readonly lastConfirmation: Issued | null;
  readonly lastReturn: Issued | null;
}): FlowInput {
  const { status, lastRequest, lastConfirmation, lastReturn } = v;
  return {
    reservationEnabled: status.reservationEnabled,
    registration: status.registration,
    // The confirmation of the installed code (an update); an older one answers a code no longer installed.
    hasConfirmation: !!lastConfirmation && !!status.installed && lastConfirmation.timestamp === status.installed.timestamp,
    // The return code until the next request starts a new reservation.
    hasReturn: !!lastReturn && !(lastRequest && lastRequest.at > lastReturn.at),
  };
}

export function operatorFlow(i: FlowInput): OperatorFlow {
  const phase = PHASES[phaseOf(i)];
  const ids = Object.keys(TITLES) as FlowStepId[];
  return { current: phase.current, next: phase.next, steps: ids.map((id) => ({ id, title: TITLES[id], state: phase.states[id] })) };
}

/** What to do about usage the reservation does not cover: one sentence per license, or none. */
export function complianceAdvice(s: {
  readonly usage: readonly { readonly displayName: string; readonly inUse: number; readonly reserved: number; readonly status: string }[];
  readonly overage: { readonly graceDaysLeft: number };
}): string[] {
  return s.usage
    .filter((l) => l.status === 'Not Authorized')
    .map(
      (l) =>
        `${l.displayName}: ${l.inUse} in use, ${l.reserved} reserved. Ask License Central to update the reservation to at least ${l.inUse}, or reduce usage to ${l.reserved}; the overage period has ${graceLeft(s)} left before new usage is refused.`,
    );
}
