/**
 * Device backups and their restore, under the rule of shared/instance/backup.ts: a backup is the sealed
 * state without its reservation and registration, written 0600 through a temporary file; a restore reads a
 * backup (or a plain copy of the state file) bounded, checks it against its own seal, and writes it as the
 * state without reservation, setting aside (never deleting) the state it replaces. A sound state is
 * replaced only when the operator says so (`force`).
 */
import { renameSync } from 'node:fs';
import { formatInstant } from '../../shared/codes/dates.ts';
import { isSlrError, refuse } from '../../shared/errors.ts';
import { LIMITS } from '../../shared/limits.ts';
import { backupOf, backupTime, restoredState } from '../../shared/instance/backup.ts';
import { advance } from '../../shared/instance/rules.ts';
import type { InstanceState } from '../../shared/instance/state.ts';
import { formatUdi, makeUdi } from '../../shared/udi.ts';
import { productOf } from '../../shared/instance/status.ts';
import { readBoundedFile, writeFileChecked } from '../platform/files.ts';
import type { SealedStore } from './instance-store.ts';

export interface Restored {
  readonly state: InstanceState;
  /** When the backup was made (its last event). */
  readonly madeAt: number;
  /** Where the state it replaced was set aside, or null. */
  readonly replaced: string | null;
}

const udiOf = (state: InstanceState) => formatUdi(makeUdi(productOf(state), state.uuid));

/** Writes the backup to `target` (a checked file path) and logs it in the live state; returns the state. */
export function backupInstance(store: SealedStore, target: string, now: number): InstanceState {
  const { live, backup } = backupOf(advance(store.load(), now), target, now);
  writeFileChecked(target, JSON.stringify(store.sealedRecord(backup), undefined, '\t'), 0o600);
  store.save(live);
  return live;
}

/** A backup file read bounded and checked against its own seal: the state it holds. */
function readBackup(store: SealedStore, source: string): InstanceState {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(readBoundedFile(source, LIMITS.stateFileBytes, 'a device backup')));
  } catch (e) {
    if (isSlrError(e)) throw e;
    raw = undefined;
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    refuse('state-corrupt', `${source} is not a product-instance backup (JSON text of a state).`, 'Give the file `slr backup --out FILE` wrote.');
  let checked: ReturnType<SealedStore['check']>;
  try {
    checked = store.check(raw as Record<string, unknown>);
  } catch (e) {
    if (isSlrError(e) && e.code === 'state-corrupt')
      refuse('state-corrupt', `${source} is not a readable backup: ${e.message}`, 'Use another backup of this device.');
    throw e;
  }
  const { state, problem } = checked;
  if (problem)
    refuse('state-tampered', `The backup ${source} was changed outside SLR Desk: ${problem}. Nothing was restored.`, 'Use another backup of this device.');
  return state;
}

/** The current state, if it loads sound (null when there is none, or it is unreadable or fails its seal). */
function soundCurrent(store: SealedStore): InstanceState | null {
  if (!store.exists()) return null;
  try {
    return store.load();
  } catch (e) {
    if (isSlrError(e) && (e.code === 'state-tampered' || e.code === 'state-corrupt')) return null;
    throw e;
  }
}

export function restoreInstance(store: SealedStore, source: string, now: number, force: boolean): Restored {
  const backup = readBackup(store, source);
  const current = soundCurrent(store);
  if (current && !force) {
    const other = udiOf(current) !== udiOf(backup) ? ` The backup is of another device (${udiOf(backup)}).` : '';
    refuse(
      'instance-exists',
      `The state in ${store.file} is sound (${udiOf(current)}, ${current.events.length} events, the last ${formatInstant(current.events.at(-1)?.at ?? current.createdAt)}): restoring would replace it.${other}`,
      'Restore only a device whose state is lost or damaged. To replace it anyway (it is set aside beside it, not deleted), add --force.',
    );
  }
  const replaced = store.exists() ? `${store.file}.replaced-${new Date(now).toISOString().replace(/[-:.]/g, '')}` : null;
  if (replaced) renameSync(store.file, replaced);
  try {
    const state = restoredState(backup, now, replaced);
    store.save(state);
    return { state, madeAt: backupTime(backup), replaced };
  } catch (e) {
    if (replaced) renameSync(replaced, store.file);
    throw e;
  }
}
