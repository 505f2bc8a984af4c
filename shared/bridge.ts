/**
 * The bridge contract: every call the renderer can make to the main process, its arguments' schema and its result type.
 * The preload exposes exactly these methods (window.slr); the main process validates every call's arguments against
 * these schemas; the browser test harness serves the same methods. One contract binds all three.
 */
import type { InstallImpact } from './instance/impact.ts';
import { z } from 'zod';
import { PRODUCTS, type ProductId } from './catalog.ts';
import type { Entitlement } from './codes/authorization-code.ts';
import {
  count,
  deviceCode,
  instanceQuery,
  instanceRef,
  isoDay,
  keyId,
  confirmInput,
  rehostInput,
  removeInput,
  reserveInput,
  shortText,
  transferInput,
  transferLicensesInput,
  updateInput,
} from './authority/inputs.ts';
import { type InstanceLine, type InstancePage, type InstanceQuery, type Issued, type LedgerEvent, type LicenseLine } from './authority/views.ts';
import { ONLINE_ARGS, TOKEN_ARGS, type OnlineResults } from './bridge-online.ts';
import { DEVICE_STATE_ARGS, type DeviceStateResults } from './bridge-device-state.ts';
import { SATELLITE_ARGS, type SatelliteResults } from './bridge-satellites.ts';
import { USAGE_ARGS, type UsageResults } from './bridge-usage.ts';
import { BATCH_ARGS, type BatchResults } from './bridge-batch.ts';
import { WEBHOOK_ARGS, type WebhookResults } from './bridge-webhooks.ts';
import { BRIDGE_METHODS, channelOf, FILE_DROP_CHANNEL, type BridgeMethod } from './bridge-channels.ts';
import { LIMITS } from './limits.ts';
import type { ExpiringItem } from './authority/expiring.ts';
import { CODE_KINDS, type CodeKind } from './code-kinds.ts';
import { COMMAND_NAMES, COMMANDS, type BridgeCommand } from './instance/command-table.ts';

export { BRIDGE_METHODS, channelOf, FILE_DROP_CHANNEL, type BridgeMethod };

const code = z.string().min(1).max(LIMITS.authorizationCodeChars);
export const codeKind = z.enum(CODE_KINDS);
export type { CodeKind };

/** The schema of `instanceCommand`, from the command table: `{ type, …its arguments }`, nothing else. */
function bridgeCommandSchema(): z.ZodType<BridgeCommand> {
  const variants = COMMAND_NAMES.filter((n) => COMMANDS[n].bridge).map((n) => z.strictObject({ ...COMMANDS[n].args.shape, type: z.literal(n) }));
  return z.discriminatedUnion('type', variants as unknown as [z.ZodObject, ...z.ZodObject[]]) as unknown as z.ZodType<BridgeCommand>;
}
const instanceCommand = bridgeCommandSchema();

/** Argument schemas, one tuple per method. */
export const BRIDGE_ARGS = {
  instanceView: z.tuple([]),
  instanceInit: z.tuple([z.enum(PRODUCTS.map((p) => p.id) as [ProductId, ...ProductId[]])]),
  instanceCommand: z.tuple([instanceCommand]),
  instanceInspect: z.tuple([code]),
  instanceInstall: z.tuple([code]),
  instanceReturnAuthorization: z.tuple([code]),
  instanceTrustFromFile: z.tuple([]),
  instanceTrustRemove: z.tuple([z.string().regex(/^[0-9a-f]{16}$/)]),
  ...ONLINE_ARGS,
  ...DEVICE_STATE_ARGS,
  authorityView: z.tuple([]),
  authorityInstances: z.tuple([instanceQuery]),
  /** The smart account's name, and a passphrase to encrypt the signing keys under from the start (optional). */
  authorityInit: z.tuple([shortText, z.string().min(1).max(1024).optional()]),
  authorityProtectKeys: z.tuple([z.string().min(1).max(1024)]),
  authorityAddAccount: z.tuple([shortText]),
  authorityAddLicenses: z.tuple([
    z.strictObject({ account: shortText, tag: shortText, count: count.min(1), term: z.strictObject({ start: isoDay, end: isoDay }).optional() }),
  ]),
  authorityInspectRequest: z.tuple([deviceCode]),
  authorityReserve: z.tuple([reserveInput]),
  authorityUpdate: z.tuple([updateInput]),
  authorityConfirm: z.tuple([confirmInput]),
  authorityRemove: z.tuple([removeInput]),
  authorityRehost: z.tuple([rehostInput]),
  authorityTransfer: z.tuple([transferInput]),
  authorityTransferLicenses: z.tuple([transferLicensesInput]),
  authorityUnlock: z.tuple([instanceRef]),
  authorityLatestCode: z.tuple([instanceRef]),
  authorityKeyAdd: z.tuple([]),
  authorityKeyRetire: z.tuple([keyId]),
  authorityExpiring: z.tuple([z.number().int().min(1).max(3650)]),
  authorityUnlockKeys: z.tuple([z.string().min(1).max(1024)]),
  /** License Central as a server: log in (the certificate pinned by its fingerprint); the workspace then works there. */
  authorityConnect: z.tuple([
    z.strictObject({ server: z.string().min(8).max(500), fingerprint: z.string().min(64).max(200), user: shortText, password: z.string().min(1).max(1024) }),
  ]),
  authorityDisconnect: z.tuple([]),
  ...TOKEN_ARGS,
  ...SATELLITE_ARGS,
  ...USAGE_ARGS,
  ...BATCH_ARGS,
  ...WEBHOOK_ARGS,
  fileOpenCode: z.tuple([codeKind]),
  fileSaveCode: z.tuple([z.strictObject({ kind: codeKind, sn: z.string().regex(/^[0-9a-f]{5}$/), code })]),
  fileSaveQr: z.tuple([z.strictObject({ kind: codeKind, sn: z.string().regex(/^[0-9a-f]{5}$/), code })]),
  /** A printable receipt (PDF) of a code; `udi` names the device when the code does not. */
  fileSaveReceipt: z.tuple([z.strictObject({ kind: codeKind, sn: z.string().regex(/^[0-9a-f]{5}$/), code, udi: z.string().max(200).optional() })]),
  fileSaveEvents: z.tuple([z.enum(['instance', 'authority'])]),
  fileSavePublicKey: z.tuple([]),
  clipboardWrite: z.tuple([z.string().max(LIMITS.authorizationCodeChars)]),
} as const satisfies Record<BridgeMethod, z.ZodTuple>;
export type BridgeArgs<M extends BridgeMethod> = z.infer<(typeof BRIDGE_ARGS)[M]>;

// ---------------------------------------------------------------------------------------------- results

import type { InstanceView, LogCheck } from './bridge-instance-view.ts';
export type { Availability, InstanceView, LogCheck } from './bridge-instance-view.ts';

export interface CodeInspection {
  readonly piid: string;
  readonly issuedAt: number;
  readonly udi: string;
  readonly udiMatches: boolean;
  readonly signer: { readonly id: string; readonly label: string } | null;
  readonly entitlements: readonly Entitlement[];
  /** What would stop the install (empty: it can be installed). */
  readonly problems: readonly string[];
  /** An update of the installed reservation (yields a confirmation code). */
  readonly isUpdate: boolean;
  /** Before install: per license, in use / reserved now / reserved by this code / status after, and warnings. */
  readonly impact: InstallImpact;
}

export interface CommandResult {
  readonly message: string;
  readonly issued: { readonly kind: 'request' | 'confirmation' | 'return' | 'usage-report'; readonly code: string } | null;
}

export type LicenseLineView = LicenseLine;
export type InstanceLineView = InstanceLine;
export type { InstancePage, InstanceQuery };
export type AuthorityEventView = LedgerEvent;
export type { OnlineResult, RegisteredLine, TokenLine, TransportInput, TransportView } from './bridge-online.ts';
export type { ParentLine, SatelliteLine, SatellitesView, SyncFileView } from './bridge-satellites.ts';

export type AuthorityView =
  | { readonly initialized: false; readonly dir: string }
  | {
      readonly initialized: true;
      readonly dir: string;
      /** License Central's clock when the view was read: what "expired" and "days left" are counted from. */
      readonly now: number;
      readonly smartAccount: string;
      readonly accounts: readonly string[];
      readonly licenses: readonly LicenseLineView[];
      /** How many product instances hold reserved licenses (the list itself comes a page at a time). */
      readonly instanceCount: number;
      readonly keys: readonly { readonly id: string; readonly createdAt: number; readonly retiredAt: number | null; readonly active: boolean }[];
      /** How the signing keys are kept at rest ('server': by the License Central server connected to). */
      readonly keyProtection: 'plaintext' | 'passphrase' | 'os-store' | 'server';
      /** The License Central server this workspace works on, or null: the local ledger. */
      readonly connection: AuthorityConnection | null;
      /** This License Central is a satellite: of which parent, in which mode (null: it stands alone or is a parent; on a server: null). */
      readonly satelliteOf: { readonly name: string; readonly parent: string; readonly mode: 'connected' | 'disconnected' } | null;
      /** Why the OS secret store cannot open the signing keys (they then sign nothing), or null. */
      readonly keysProblem: string | null;
      /** False while passphrase-protected keys wait for their passphrase (authorityUnlockKeys). */
      readonly keysUnlocked: boolean;
      readonly events: readonly AuthorityEventView[];
      readonly logCheck: LogCheck;
    };

export interface AuthorityConnection {
  readonly server: string;
  readonly user: string;
  readonly fingerprint: string;
}

export interface RequestInspection {
  readonly udi: string;
  readonly sn: string;
  readonly product: string;
  readonly productName: string;
  readonly productType: string;
  /** A cluster publisher's subscribers, as its request code names them; empty: a standalone device. */
  readonly nodes: readonly string[];
  /** Licenses of this product, with what each virtual account has available. */
  readonly licenses: readonly {
    readonly short: string;
    readonly displayName: string;
    readonly level: number | null;
    readonly available: Readonly<Record<string, number>>;
  }[];
}

export type IssuedView = Issued;

export interface OpenedFile {
  readonly name: string;
  readonly text: string;
  /** A folder was dropped: `text` is its request files' codes, one per line (a batch reservation's). */
  readonly folder?: boolean;
}

export interface BridgeResults extends OnlineResults, DeviceStateResults, SatelliteResults, UsageResults, BatchResults, WebhookResults {
  instanceView: InstanceView;
  instanceInit: InstanceView;
  instanceCommand: CommandResult;
  instanceInspect: CodeInspection;
  instanceInstall: CommandResult;
  instanceReturnAuthorization: CommandResult;
  instanceTrustFromFile: CommandResult | null;
  instanceTrustRemove: CommandResult;
  authorityView: AuthorityView;
  authorityInstances: InstancePage;
  authorityInit: { readonly keyId: string };
  authorityAddAccount: null;
  authorityAddLicenses: null;
  authorityInspectRequest: RequestInspection;
  authorityReserve: IssuedView;
  authorityUpdate: IssuedView & { readonly inTransition: number };
  authorityConfirm: { readonly released: number; readonly udi: string; readonly warnings: readonly string[] };
  authorityRemove: { readonly released: number; readonly udi: string; readonly warnings: readonly string[] };
  authorityRehost: IssuedView;
  authorityTransfer: null;
  authorityTransferLicenses: null;
  authorityUnlock: null;
  authorityLatestCode: IssuedView;
  authorityKeyAdd: { readonly keyId: string };
  authorityKeyRetire: null;
  authorityExpiring: readonly ExpiringItem[];
  authorityUnlockKeys: null;
  authorityProtectKeys: { readonly keyIds: readonly string[] };
  authorityConnect: AuthorityConnection;
  authorityDisconnect: null;
  fileOpenCode: OpenedFile | null;
  fileSaveCode: string | null;
  /** The image files written: one, or one per QR part. */
  fileSaveQr: readonly string[] | null;
  fileSaveReceipt: string | null;
  fileSaveEvents: string | null;
  fileSavePublicKey: string | null;
  clipboardWrite: null;
}

/** What crosses the bridge: a value, or the refusal as data (Electron's IPC would flatten an Error). */
export type BridgeReply<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string; readonly hint?: string } };

/** The object the preload exposes as window.slr. */
export type SlrBridge = {
  readonly [M in BridgeMethod]: (...args: BridgeArgs<M>) => Promise<BridgeReply<BridgeResults[M]>>;
} & {
  /** A file dropped onto the window, read by the main process. */
  readonly onFileDropped: (listener: (file: OpenedFile | { readonly error: string }) => void) => () => void;
};

/** Checks a call's arguments against the contract; returns them parsed, or a refusal. */
export function parseBridgeArgs(method: string, args: unknown): { ok: true; method: BridgeMethod; args: unknown[] } | { ok: false; message: string } {
  if (!Object.hasOwn(BRIDGE_ARGS, method)) return { ok: false, message: `unknown method ${JSON.stringify(method).slice(0, 60)}` };
  const m = method as BridgeMethod;
  const result = BRIDGE_ARGS[m].safeParse(args);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    return { ok: false, message: `invalid arguments for ${m}: ${issue.path.join('.') || '(arguments)'}: ${issue.message}` };
  }
  return { ok: true, method: m, args: result.data as unknown[] };
}
