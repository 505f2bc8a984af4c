/**
 * The bridge contract's part for the device's state at rest (shared/bridge.ts spreads it in): a backup saved
 * where the operator chooses, a backup restored, a state that fails its seal recovered with the License
 * Central key files the operator opens. No path crosses the bridge: files are chosen in the main process's
 * dialogs, and only their names come back.
 */
import { z } from 'zod';
import { LIMITS } from './limits.ts';

/** A License Central public-key file the operator opened (its text is public). */
const keyFile = z.strictObject({ label: z.string().min(1).max(200), text: z.string().min(1).max(LIMITS.keyFileBytes) });

export const DEVICE_STATE_ARGS = {
  /** `slr backup`: the state without reservation and registration, saved where the operator chooses. */
  instanceBackup: z.tuple([]),
  /** `slr restore FILE [--force]`: a backup the operator opens; a sound state is replaced only with `replace`. */
  instanceRestore: z.tuple([z.strictObject({ replace: z.boolean() })]),
  /** `slr recover [--trust FILE]...`: the keys are the app's own (a packaged app's) and these. */
  instanceRecover: z.tuple([z.array(keyFile).max(16)]),
  /** Opens a License Central public-key file for recovery: its name and text. */
  fileOpenKey: z.tuple([]),
  /** A new product instance in place of one whose device key cannot be opened (the old state set aside). */
  instanceStartOver: z.tuple([]),
  /** `utils cuc encryption enable|disable` (Unity Connection), `utils ctl set-cluster mixed-mode|non-secure-mode` (Unified CM). */
  instanceSecurity: z.tuple([z.boolean()]),
  /** `slr sip-trunk add NAME [--secure]`, `slr sip-trunk remove NAME` (Unified CM). */
  instanceSipTrunk: z.tuple([
    z.discriminatedUnion('op', [
      z.strictObject({ op: z.literal('add'), name: z.string().min(1).max(100), secure: z.boolean() }),
      z.strictObject({ op: z.literal('remove'), name: z.string().min(1).max(100) }),
    ]),
  ]),
  /** `slr cluster add-node NAME`, `join --publisher URL --code CODE`, `remove-node NAME`, `leave [--force]`. */
  instanceCluster: z.tuple([
    z.discriminatedUnion('op', [
      z.strictObject({ op: z.literal('add-node'), name: z.string().min(1).max(32) }),
      z.strictObject({ op: z.literal('join'), publisher: z.string().min(8).max(500), code: z.string().min(1).max(200) }),
      z.strictObject({ op: z.literal('remove-node'), name: z.string().min(1).max(32) }),
      z.strictObject({ op: z.literal('leave'), force: z.boolean() }),
    ]),
  ]),
} as const;

export interface BackupSaved {
  /** The file's name (where it is, the operator chose). */
  readonly file: string;
}

export interface RestoreDone {
  readonly file: string;
  /** When the backup was made (its last event). */
  readonly madeAt: number;
  /** The name the replaced state was set aside under, beside the state; null when there was none. */
  readonly setAside: string | null;
}

export interface RecoveryDone {
  /** Why the state failed its seal. */
  readonly problem: string;
  readonly trustedKeys: readonly string[];
  readonly reservationKept: boolean;
}

export interface StartOverDone {
  /** The new product instance's UDI. */
  readonly udi: string;
  /** The UDI it replaces: License Central still holds what it reserved for it. */
  readonly previousUdi: string;
  /** The name the old state was set aside under, beside the state. */
  readonly setAside: string;
}

export interface DeviceStateResults {
  instanceBackup: BackupSaved | null;
  instanceRestore: RestoreDone | null;
  instanceRecover: RecoveryDone;
  fileOpenKey: { readonly name: string; readonly text: string } | null;
  instanceStartOver: StartOverDone;
  instanceSecurity: { readonly message: string };
  instanceSipTrunk: { readonly message: string };
  /** What was done; `joinCode` for add-node (shown once, to carry to the subscriber). */
  instanceCluster: { readonly message: string; readonly joinCode: string | null };
}

/** The refusals that mean the device's state cannot be used as it is: the app offers restore and recovery. */
export const STATE_UNUSABLE = ['state-tampered', 'state-corrupt'] as const;
