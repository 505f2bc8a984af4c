/**
 * The product-instance service: the one place that loads, verifies, changes and saves a device's state.
 * The CLI and the Electron main process both call it; they differ only in the key-value store they hand it
 * (json-store.ts for the CLI, electron-store for the app: the same JSON file) and in how the device key is sealed.
 */
import { withNotices } from '../../shared/instance/notices.ts';
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import { jsonFileStore, type StoreFactory } from '../platform/json-store.ts';
import { productById, type ProductProfile } from '../../shared/catalog.ts';
import { stripControls } from '../../shared/text.ts';
import { isSlrError, refuse, type SlrError } from '../../shared/errors.ts';
import { isSaneTime } from '../../shared/codes/dates.ts';
import { toBase64 } from '../../shared/bytes.ts';
import { execute, inspectCode, needsDeviceKey, type Command, type Inspection } from '../../shared/instance/commands.ts';
import { advance, createInstance, type Outcome } from '../../shared/instance/rules.ts';
import { withAlarms } from '../../shared/instance/security.ts';
import type { InstanceState, DeviceKeyRecord, SealedSecret } from '../../shared/instance/state.ts';
import { deriveStatus, type InstanceStatus } from '../../shared/instance/status.ts';
import { compressedPublicKey, deviceCrypto, generateKeyPair, verifyingCrypto } from '../platform/crypto.ts';
import { offeredChain } from '../platform/key-chain.ts';
import { withDirLock } from '../platform/lock.ts';
import { plainKeySealer, type KeySealer } from '../platform/key-sealer.ts';
import { sealedStore, type LogProblems, type SavedRoles, type SealedStore } from './instance-store.ts';
import { recoverInstance, type Recovery } from './instance-recovery.ts';
import { backupInstance, restoreInstance, type Restored } from './instance-backup.ts';
import { deviceKeyProblem, startOverInstance, type StartedOver } from './instance-start-over.ts';

export type { KeyValueStore, StoreFactory } from '../platform/json-store.ts';

export interface InstanceServiceOptions {
  readonly dir: string;
  readonly stores?: StoreFactory;
  readonly sealer?: KeySealer;
}

export interface InstanceService {
  readonly dir: string;
  exists(): boolean;
  /** What the saved state says it is (unchecked: see SealedStore.savedRoles). */
  savedRoles(): SavedRoles;
  /** Creates the instance; `trust` are key files it is provisioned with. */
  init(productId: string, now: number, trust?: readonly { text: string; label: string }[]): Promise<InstanceState>;
  load(): InstanceState;
  status(now: number): InstanceStatus;
  /** Loads the state and records this reading of the clock (latest time seen, a clock set back) in it. */
  observe(now: number): Promise<InstanceState>;
  run(command: Command, now: number): Promise<Outcome>;
  /** What an authorization code holds and whether it can be installed, without installing it. */
  inspect(code: string, now: number): Promise<Inspection>;
  /** Adds License Central keys (a key file: PEM, with endorsements) under the device's trust rules. */
  trust(keyFile: string, label: string, now: number): Promise<Outcome>;
  /**
   * Runs `fn` on the state (its clock reading taken) under the lock, where it may call License Central: the
   * state it hands back is saved, then its error, if any, thrown. For Smart Licensing online (online-service.ts).
   */
  transact<T>(now: number, fn: (state: InstanceState, secrets: Secrets) => Promise<Transaction<T>>): Promise<T>;
  /** A state that fails its seal, made trustworthy again (instance-recovery.ts), provisioned with `trust`. */
  recover(now: number, trust: readonly { text: string; label: string }[]): Promise<Recovery>;
  /** Writes a backup of the state to `target` (instance-backup.ts: without reservation and registration). */
  backup(target: string, now: number): Promise<InstanceState>;
  /** Restores a backup (or a copy of the state file) without its reservation; a sound state only with `force`. */
  restore(source: string, now: number, force: boolean): Promise<Restored>;
  /** What is wrong with the saved log without loading the state: a changed event, a cut-off end. */
  logProblems(): LogProblems;
  /** Why the device key cannot be opened by this process (sealed by an OS store that no longer opens it), or null. */
  keyProblem(): Promise<SlrError | null>;
  /** A new product instance in place of one whose key cannot be opened (instance-start-over.ts). */
  startOver(now: number): Promise<StartedOver>;
}

/** What a transaction may open or seal: the device key, and secrets kept like it (a proxy password). */
export interface Secrets {
  deviceKey(): Promise<string>;
  seal(secret: string): Promise<SealedSecret>;
  unseal(sealed: SealedSecret): Promise<string>;
}

export type Transaction<T> = { readonly state: InstanceState; readonly value: T } | { readonly state: InstanceState; readonly error: unknown };

/** Runs a save of a clock reading, unless the state is the app's (its key sealed where this process cannot open it). */
function readOnlyAware(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!isSlrError(e) || e.code !== 'key-sealed') throw e;
  }
}

/** How far a read moves the recorded latest time before it is saved (see saveObserved). */
export const OBSERVE_STEP_MS = 60_000;

/** Whether this clock reading is worth saving: the time moved on by a step, or it logged or noticed something. */
function observedChange(state: InstanceState, next: InstanceState): boolean {
  const moved = next.clock.highWater - state.clock.highWater > OBSERVE_STEP_MS;
  return moved || next.events.length !== state.events.length || next.clock.behind !== state.clock.behind;
}

/**
 * Records a clock reading of a command that changes nothing else (a read, a refusal): when it logs
 * something, or moves the latest time seen on by more than OBSERVE_STEP_MS. So a read costs no durable
 * write when the clock moved little (a second read in the same minute), and setting the clock back
 * gains at most that step.
 */
function saveObserved(state: InstanceState, now: number, save: (state: InstanceState) => void): InstanceState {
  const next = withNotices(advance(state, now), now);
  if (observedChange(state, next)) save(next);
  return next;
}

/** One transaction: the state with this clock reading to `fn`; what it hands back saved, its error thrown. */
async function transaction<T>(
  before: InstanceState,
  now: number,
  sealer: KeySealer,
  save: (state: InstanceState) => void,
  fn: (state: InstanceState, secrets: Secrets) => Promise<Transaction<T>>,
): Promise<T> {
  const secrets: Secrets = { deviceKey: () => sealer.unseal(before.deviceKey.privateKey), seal: sealer.seal, unseal: sealer.unseal };
  const done = await fn(advance(before, now), secrets);
  // What the call changed may raise or clear an alarm (a deregistration with encryption on).
  const after = withNotices(withAlarms(done.state, done.state.clock.highWater), now);
  if (after !== before) save(after);
  if ('error' in done) throw done.error;
  return done.value;
}

const cryptoOf = async (sealer: KeySealer, state: InstanceState) => deviceCrypto(await sealer.unseal(state.deviceKey.privateKey));

/** The state provisioned with the key files `trust` (while it trusts none: its first keys). */
const provision = (start: InstanceState, trust: readonly { text: string; label: string }[], now: number) =>
  trust.reduce(
    (state, file) =>
      execute(state, { type: 'trust-add', chain: offeredChain(file.text), label: stripControls(file.label), provision: true }, { now, crypto: verifyingCrypto })
        .state,
    start,
  );

/** Runs a command under the lock; a refused one still records the clock reading (time never goes back, even on refusals). */
async function runLocked(store: SealedStore, sealer: KeySealer, command: Command, now: number): Promise<Outcome> {
  const state = store.load();
  try {
    const outcome = execute(state, command, { now, crypto: needsDeviceKey(command, state) ? await cryptoOf(sealer, state) : verifyingCrypto });
    if (outcome.state === state) return outcome;
    const saved = withNotices(withAlarms(outcome.state, outcome.state.clock.highWater), now);
    store.save(saved);
    return { ...outcome, state: saved };
  } catch (e) {
    if (isSlrError(e) && isSaneTime(now)) readOnlyAware(() => saveObserved(state, now, store.save));
    throw e;
  }
}

/** A new product instance in `store`: a fresh UDI and device key (sealed as `sealer` keeps it), provisioned with `trust`. */
async function createNew(
  store: SealedStore,
  sealer: KeySealer,
  product: ProductProfile,
  now: number,
  trust: readonly { text: string; label: string }[],
): Promise<InstanceState> {
  if (store.exists())
    refuse(
      'instance-exists',
      `A product instance already exists in ${dirname(store.file)}.`,
      'Its identity and key are made once; use another --home for another instance.',
    );
  const keys = generateKeyPair();
  const deviceKey: DeviceKeyRecord = { publicKey: toBase64(compressedPublicKey(keys.publicKey)), privateKey: await sealer.seal(keys.privateKey) };
  const state = provision(createInstance({ product, uuid: randomUUID(), deviceKey, now }), trust, now);
  store.save(state);
  return state;
}

export function instanceService({ dir, stores = jsonFileStore, sealer = plainKeySealer }: InstanceServiceOptions): InstanceService {
  const store = sealedStore(dir, stores, sealer);
  const { load, save } = store;
  // No product instance here: refused as load refuses it, before the lock would make the directory.
  const absent = () => {
    if (!store.exists()) load();
  };

  return {
    dir,
    exists: store.exists,
    savedRoles: store.savedRoles,
    load,
    status: (now) => deriveStatus(load(), now),
    async init(productId, now, trust = []) {
      const product = productById(productId.toUpperCase());
      if (!product) refuse('bad-product', `Unknown product "${productId}".`, 'Use --pid UCM (Unified CM) or --pid CUC (Unity Connection).');
      return withDirLock(dir, 'product instance', () => createNew(store, sealer, product, now, trust));
    },
    async run(command, now) {
      absent();
      return withDirLock(dir, 'product instance', () => runLocked(store, sealer, command, now));
    },
    async observe(now) {
      absent();
      // Most readings change nothing worth saving: read without the lock (writes replace the file whole).
      const current = load();
      const next = withNotices(advance(current, now), now);
      if (!observedChange(current, next)) return next;
      try {
        return await withDirLock(dir, 'product instance', () => saveObserved(load(), now, save));
      } catch (e) {
        // Another writer holds the state, or this process cannot open the key that seals it (the app's): show
        // it as it is; the writer records its own clock reading.
        if (isSlrError(e) && (e.code === 'busy' || e.code === 'key-sealed')) return advance(load(), now);
        throw e;
      }
    },
    async inspect(code, now) {
      return inspectCode(load(), code, verifyingCrypto, now);
    },
    async trust(keyFile, label, now) {
      return this.run({ type: 'trust-add', chain: offeredChain(keyFile), label: stripControls(label) }, now);
    },
    transact: (now, fn) => (absent(), withDirLock(dir, 'product instance', () => transaction(load(), now, sealer, save, fn))),
    recover: (now, trust) => withDirLock(dir, 'product instance', async () => recoverInstance(store, now, (state) => provision(state, trust, now))),
    backup: (target, now) => withDirLock(dir, 'product instance', async () => backupInstance(store, target, now)),
    restore: (source, now, force) => withDirLock(dir, 'product instance', async () => restoreInstance(store, source, now, force)),
    logProblems: () => store.logProblems(),
    keyProblem: async () => (store.exists() ? deviceKeyProblem(store.unchecked().state, sealer) : null),
    startOver: (now) =>
      withDirLock(dir, 'product instance', () => startOverInstance(store, sealer, now, (product, trust) => createNew(store, sealer, product, now, trust))),
  };
}
