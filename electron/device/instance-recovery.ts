/**
 * Recovery of a device whose state fails its seal (changed outside SLR Desk, its log cut off, or written
 * before seals): under the lock, the state as saved made trustworthy again by shared/instance/seal.ts's rule
 * (identity, key, usage and log kept; trust provisioned again from the key files given; no evaluation back;
 * the online registration dropped; the reservation kept only if its code verifies with the new trust), and
 * sealed. An intact state is not touched.
 */
import { refuse } from '../../shared/errors.ts';
import { installedCodeProblem } from '../../shared/instance/rules.ts';
import { keepVerifiedReservation, recoveredState } from '../../shared/instance/seal.ts';
import type { InstanceState } from '../../shared/instance/state.ts';
import { verifyingCrypto } from '../platform/crypto.ts';
import type { SealedStore } from './instance-store.ts';

export interface Recovery {
  /** Why the state failed its seal. */
  readonly problem: string;
  readonly state: InstanceState;
  /** Whether the installed reservation was kept (its code verified with the keys provisioned again). */
  readonly reservationKept: boolean;
}

export function recoverInstance(store: SealedStore, now: number, provision: (state: InstanceState) => InstanceState): Recovery {
  const { state, problem } = store.unchecked();
  if (!problem)
    refuse('not-allowed', `The state in ${store.file} matches its seal: there is nothing to recover.`, 'Nothing to do; `slr show license status` shows it.');
  const provisioned = provision(recoveredState(state, problem, now));
  const next = keepVerifiedReservation(provisioned, installedCodeProblem(provisioned, verifyingCrypto), now);
  store.save(next);
  return { problem, state: next, reservationKept: next.installed !== null };
}
