/**
 * Where a device's state is kept: one JSON file (json-store.ts for the CLI, electron-store for the app),
 * written whole under the lock with its new events chained and the whole sealed (shared/instance/seal.ts,
 * state-seal.ts), and on every load checked in this order: readable, of a schema this version reads, sealed
 * by this device's key (so not changed outside SLR Desk, its log not cut off), its installed code verified.
 * A state whose device key the app sealed with the OS secret store is read by the CLI without its seal
 * checked (the CLI cannot open the key; it says so) and never written by it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyValueStore, StoreFactory } from '../platform/json-store.ts';
import { parseAuthorizationCode } from '../../shared/codes/authorization-code.ts';
import { isSlrError, refuse } from '../../shared/errors.ts';
import { firstBrokenLink, type ChainBreak } from '../../shared/event-chain.ts';
import { installedCodeProblem } from '../../shared/instance/rules.ts';
import { validateInstanceState } from '../../shared/instance/schema.ts';
import { refuseUnsealed, SEAL_FIELD } from '../../shared/instance/seal.ts';
import { instanceEventFields } from '../../shared/event-chain.ts';
import { persistedState, type DeviceKeyRecord, type InstanceEvent, type InstanceState } from '../../shared/instance/state.ts';
import { verifyingCrypto } from '../platform/crypto.ts';
import { assertLockHeld } from '../platform/lock.ts';
import { sealInstanceEvents, sha256hex } from '../platform/event-chain.ts';
import { INSTANCE_STORE } from '../platform/paths.ts';
import { sealed, stateSealKey, unsealedProblem } from './state-seal.ts';

/** What the store needs of the key sealer: the device key, at once, to check and make seals. */
export interface SyncUnsealer {
  unsealSync(record: DeviceKeyRecord['privateKey']): string;
}

/** The saved log's problems, read without trusting the state: the first changed event, and the seal's word. */
export interface LogProblems {
  readonly events: readonly InstanceEvent[];
  readonly broken: ChainBreak | null;
  /** Why the state does not match its seal (a cut-off log among the reasons), or null. */
  readonly seal: string | null;
}

export interface SavedRoles {
  readonly online: boolean;
  readonly subscriber: boolean;
}

export interface SealedStore {
  readonly file: string;
  exists(): boolean;
  /**
   * What the saved state says it is (registered online; a cluster subscriber), read without any check: only
   * to decide whether calls may be due before a command (which then loads the state, checked).
   */
  savedRoles(): SavedRoles;
  /** The state, checked (see above); refused with the reason otherwise. */
  load(): InstanceState;
  /** The state as saved, validated but not checked against its seal (for recovery), and why it fails the seal. */
  unchecked(): { state: InstanceState; problem: string | null };
  save(state: InstanceState): void;
  logProblems(): LogProblems;
  /** A state as it is saved, sealed, for another file (a backup). */
  sealedRecord(state: InstanceState): Record<string, unknown>;
  /** A saved state from another file (a backup), validated, and why it fails its own seal (null: it matches). */
  check(raw: Record<string, unknown>): { state: InstanceState; problem: string | null };
}

/** The state with its installed code parsed once, for the whole command (a code that does not parse is left for verification to name). */
function withParsedCode(state: InstanceState): InstanceState {
  if (!state.installed) return state;
  try {
    return { ...state, installed: { ...state.installed, parsed: parseAuthorizationCode(state.installed.code) } };
  } catch {
    return state;
  }
}

/**
 * The seal's key, or null when the device key is sealed by the app's OS secret store, which this process
 * cannot open: such a state can be read (the app checks its seal at every load), never written from here.
 */
function openable(key: () => Buffer): Buffer | null {
  try {
    return key();
  } catch (e) {
    if (isSlrError(e) && e.code === 'key-sealed') return null;
    throw e;
  }
}

/** What the saved state says it is, read without any check (SealedStore.savedRoles). */
function savedRoles(file: string, store: () => KeyValueStore): SavedRoles {
  try {
    if (!existsSync(file)) return { online: false, subscriber: false };
    const saved = store().store as { online?: unknown; cluster?: { role?: unknown } };
    return { online: saved.online != null, subscriber: saved.cluster?.role === 'subscriber' };
  } catch {
    return { online: false, subscriber: false };
  }
}

export function sealedStore(dir: string, stores: StoreFactory, sealer: SyncUnsealer): SealedStore {
  const file = join(dir, `${INSTANCE_STORE}.json`);
  const store = (): KeyValueStore => stores(dir, INSTANCE_STORE);
  const keys = new Map<string, Buffer>();
  const keyOf = (record: DeviceKeyRecord['privateKey']) => {
    let key = keys.get(record.value);
    if (!key) keys.set(record.value, (key = stateSealKey(sealer.unsealSync(record))));
    return key;
  };

  function read(): Record<string, unknown> {
    if (!existsSync(file))
      refuse('no-instance', `No product instance in ${dir}.`, 'Create one with `slr init --pid UCM` (or CUC), or name another directory with --home.');
    try {
      return store().store;
    } catch (e) {
      return refuse('state-corrupt', `The state file ${file} cannot be read: ${(e as Error).message}`, 'Restore it from a backup.');
    }
  }

  function check(raw: Record<string, unknown>) {
    const { [SEAL_FIELD]: _seal, ...fields } = raw;
    const state = withParsedCode(validateInstanceState(fields));
    const key = openable(() => keyOf(state.deviceKey.privateKey));
    return { state, problem: key ? unsealedProblem(raw, key) : null };
  }

  const unchecked = () => check(read());

  function load(): InstanceState {
    const { state, problem } = unchecked();
    if (problem) refuseUnsealed(file, problem);
    const code = installedCodeProblem(state, verifyingCrypto);
    if (code)
      refuse(
        'state-tampered',
        `The installed authorization code in ${file} failed verification: ${code}.`,
        'The state file was changed outside SLR Desk; restore it from a backup.',
      );
    return state;
  }

  /** Saves a state: fenced (a writer that lost its lock writes nothing), its new events chained to the log, sealed. */
  function save(state: InstanceState): void {
    assertLockHeld(dir);
    store().store = sealedRecord(state);
  }

  function sealedRecord(state: InstanceState): Record<string, unknown> {
    const saved = { ...persistedState(state), events: sealInstanceEvents(state.events) } as unknown as Record<string, unknown>;
    return sealed(saved, keyOf(state.deviceKey.privateKey));
  }

  function logProblems(): LogProblems {
    const { state, problem } = unchecked();
    return { events: state.events, broken: firstBrokenLink(state.events, instanceEventFields, sha256hex), seal: problem };
  }

  return { file, exists: () => existsSync(file), savedRoles: () => savedRoles(file, store), load, unchecked, save, logProblems, sealedRecord, check };
}
