/**
 * The rule for device backups (README "Back up"), the same as Unified CM's own backups: **a backup carries
 * no reservation and no online registration**. A backup is the device's sealed state with both left
 * behind (its reservation remembered as closed, so no code of it is ever installed from the backup); a
 * restore ends evaluation and puts overage at its limit, as a recovery does. So a state brought back from
 * any time before a return or a confirmed decrease runs nothing License Central has freed: the restored
 * device asks for its licenses again with a new request code, and License Central moves the reservation it
 * holds for this UDI to that request (`slr authority rehost` with the device's own request), issuing the
 * counts it holds now. `slr restore` applies the same rule to a plain copy of the state file.
 */
import { formatInstant } from '../codes/dates.ts';
import { closeReservation } from './reservation.ts';
import { event, REGISTRATION, withEvents, type InstanceState } from './state.ts';
import { withNoTimeBack } from './seal.ts';

/** The state with its reservation and online registration left behind (the reservation remembered as closed). */
function withoutReservation(state: InstanceState, how: 'restored', at: number): InstanceState {
  const closed = closeReservation(state, how, at);
  return { ...closed, installed: null, registration: REGISTRATION.unregistered, lastRequest: null, lastConfirmation: null, online: null };
}

/** The live state after a backup is made (the backup logged), and the backup: that state without reservation. */
export function backupOf(state: InstanceState, target: string, now: number): { live: InstanceState; backup: InstanceState } {
  const left = [state.reservation ? `reservation ${state.reservation.piid}` : null, state.online ? 'the online registration' : null].filter(Boolean);
  const live = withEvents(
    state,
    event(
      now,
      'state-backup',
      `Backup of the state written to ${target}${left.length ? `, without ${left.join(' and ')}` : ''}: a backup carries no reservation and no registration.`,
    ),
  );
  return { live, backup: withoutReservation(live, 'restored', now) };
}

/** When a backup (or a copy of the state) was made: the time of its last event, else its latest time seen. */
export const backupTime = (state: InstanceState): number => state.events.at(-1)?.at ?? state.clock.highWater;

/**
 * A backup (or a plain copy of the state file, already checked against its seal) as it is restored: no
 * reservation, no registration, evaluation ended, overage at its limit, its latest time at least now, and
 * the restore logged. `replaced` says where the state it replaces was set aside, if there was one.
 */
export function restoredState(backup: InstanceState, now: number, replaced: string | null): InstanceState {
  const hadReservation = backup.reservation !== null || backup.installed !== null;
  const restored = withNoTimeBack(withoutReservation(backup, 'restored', now), now);
  const parts = [
    `State restored from a backup made ${formatInstant(backupTime(backup))}`,
    hadReservation ? 'the reservation it held was left behind' : null,
    backup.online ? 'its online registration was dropped' : null,
    'evaluation ended',
    replaced ? `the state it replaces was set aside as ${replaced}` : null,
  ].filter(Boolean);
  return withEvents(restored, event(now, 'state-restored', `${parts.join('; ')}.`));
}

/** What the operator does next after a restore: the licenses come back through License Central. */
export const AFTER_RESTORE =
  'License Central still holds the licenses reserved for this device. Make a request code (`license smart reservation request`) and have License Central move the reservation to it (`slr authority rehost --instance <serial number> --request <code> --reason "state restored from a backup"`); install the code it issues. Registered online before? Register again (`license smart register idtoken TOKEN force`).';
