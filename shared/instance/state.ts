import type { AuthorizationCode } from '../codes/authorization-code.ts';
import type { ExportGrant, OnlineAuthorization } from '../registration/protocol.ts';
import type { UsageReporting } from './usage-reporting.ts';

export { MAX_PENDING_REPORTS, type UsageAcknowledged, type UsageReporting } from './usage-reporting.ts';

/**
 * The product instance's state: what is persisted, in the one store format the CLI and the app share.
 * Everything shown (statuses, days left) is derived from it by status.ts; it holds only facts.
 */
import type { ProductId } from '../catalog.ts';

export const REGISTRATION = {
  unregistered: 'Unregistered',
  inProgress: 'Reservation In Progress',
  registered: 'Registered - Specific License Reservation',
} as const;
export type RegistrationStatus = (typeof REGISTRATION)[keyof typeof REGISTRATION];

export const AUTHORIZATION = {
  evaluation: 'Evaluation Mode',
  evaluationExpired: 'Evaluation Period Expired',
  noLicenses: 'No Licenses in Use',
  authorized: 'Authorized - Reserved',
  notAuthorized: 'Not Authorized - Reserved',
} as const;
export type AuthorizationStatus = (typeof AUTHORIZATION)[keyof typeof AUTHORIZATION];

export const SCHEMA_VERSION = 3;

export interface TrustedKey {
  /** First 16 hex digits of the SHA-256 of the key's DER SubjectPublicKeyInfo. */
  readonly id: string;
  /** PEM SubjectPublicKeyInfo of an authority's P-256 signing key. */
  readonly publicKey: string;
  readonly label: string;
  readonly addedAt: number;
}

export interface InstalledReservation {
  /** The authorization code as installed (one line); re-verified every time the state is loaded. */
  readonly code: string;
  readonly signerKeyId: string;
  readonly installedAt: number;
  /**
   * The code parsed, carried with the state in memory and never saved: the service attaches it when it
   * loads the state (and the install that made it), so that a large code is parsed once per command.
   */
  readonly parsed?: AuthorizationCode;
}

/** The reservation a request started: every authorization code of it carries its piid. */
export interface Reservation {
  /** The request's nonce (16 hex digits); null for a reservation made before schema 2, known by its piid alone. */
  readonly nonce: string | null;
  /** The piid of this reservation's codes: derived from the UDI, the device key and the nonce. */
  readonly piid: string;
  /** The latest time seen when the request was made. */
  readonly requestedAt: number;
  /** Timestamp of the newest code of this reservation installed ('0': none): an older or equal code is a replay. */
  readonly lastTimestamp: string;
}

/** A reservation this device has given up: none of its codes is ever installed again. */
export interface ClosedReservation {
  readonly nonce: string | null;
  readonly piid: string;
  /** 'restored': left behind by a backup (shared/instance/backup.ts). */
  readonly how: 'returned' | 'returned-unused' | 'cancelled' | 'restored';
  readonly at: number;
}

/** How many closed reservations are remembered (for precise messages; older ones are refused all the same). */
export const MAX_CLOSED_RESERVATIONS = 200;
/** How many expiry notices given the state remembers (notices.ts). */
export const MAX_NOTICES_GIVEN = 50;

export interface IssuedCode {
  readonly code: string;
  readonly at: number;
  /** For confirmation and return codes: the authorization code (piid, timestamp) they answer. */
  readonly piid?: string;
  readonly timestamp?: string;
}

export interface InstanceEvent {
  readonly at: number;
  readonly type: string;
  readonly message: string;
  /** The chain's hash (shared/event-chain.ts); set when the state is saved. */
  readonly hash?: string;
}

export interface DeviceKeyRecord {
  /** SEC1 compressed P-256 public key, base64. */
  readonly publicKey: string;
  /** How the private key is kept: PEM PKCS#8 in the file (mode 0600), or sealed by the OS keychain. */
  readonly privateKey: { readonly format: 'pkcs8-pem'; readonly value: string } | { readonly format: 'safe-storage'; readonly value: string };
}

/**
 * A secret kept at rest like the device key: as is in the state file (mode 0600; format 'pkcs8-pem', the
 * name the device key's plain format has always had), or sealed by the OS keychain (the app).
 */
export type SealedSecret = DeviceKeyRecord['privateKey'];

/** The last compliance License Central answered for this instance's reported usage. */
export interface OnlineCompliance {
  /** What License Central answers (never Authorization Expired: that the device tells from the time). */
  readonly status: Exclude<OnlineAuthorization, 'Authorization Expired'>;
  readonly shortfalls: readonly { readonly tag: string; readonly inUse: number; readonly available: number }[];
  readonly at: number;
}

/**
 * Smart Licensing online (the seeds' other mode): this instance registered with License Central's server
 * with a token. Times are License Central's (from its answers); the server is trusted by the certificate pinned
 * at registration; every later call is signed with the device key and carries a sequence number above `seq`.
 */
export interface OnlineRegistration {
  readonly server: string;
  readonly fingerprint: string;
  readonly certificate: string;
  /** The registration's id at License Central. */
  readonly instance: string;
  /** The sequence number of the last signed call. */
  readonly seq: number;
  readonly account: string;
  readonly tokenId: string;
  readonly registeredAt: number;
  readonly registrationExpires: number;
  readonly authorizationExpires: number;
  readonly exportControlled: boolean;
  /** License Central's signature over this device's identity (registration, UDI, key, expiry). */
  readonly identity: { readonly keyId: string; readonly signature: string };
  readonly lastUsageReport: number | null;
  /** What the last usage report said (by tag): a report is due again when usage differs from it. */
  readonly reportedUsage: Readonly<Record<string, number>>;
  readonly compliance: OnlineCompliance | null;
  /** The last call that failed (cleared by the next that succeeds): what, when, why. */
  readonly lastFailure: {
    readonly at: number;
    readonly operation: string;
    readonly message: string;
    /** Failures in a row (the back-off grows with them); absent in states written before it was counted. */
    readonly attempts?: number;
  } | null;
  /** Export control online: the export authorization keys License Central granted (absent: none, in older states). */
  readonly exportKeys?: readonly ExportGrant[];
  /** An export request or return that did not reach License Central: retried automatically until it is done or cancelled. */
  readonly exportPending?: ExportPending | null;
}

export interface ExportPending {
  readonly op: 'request' | 'return';
  readonly feature: string;
  readonly since: number;
}

/** How this instance reaches License Central: the seeds' transport settings. */
export type Transport =
  | { readonly mode: 'direct' }
  | { readonly mode: 'gateway'; readonly url: string }
  | { readonly mode: 'proxy'; readonly host: string; readonly port: number; readonly user: string | null; readonly password: SealedSecret | null };

export interface InstanceState {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly product: ProductId;
  readonly uuid: string;
  readonly createdAt: number;
  readonly deviceKey: DeviceKeyRecord;
  readonly trustedKeys: readonly TrustedKey[];
  readonly reservationEnabled: boolean;
  readonly registration: RegistrationStatus;
  readonly installed: InstalledReservation | null;
  /** The current reservation: requested (Reservation In Progress) or installed (Registered); null otherwise. */
  readonly reservation: Reservation | null;
  /** Reservations returned or cancelled, newest last. */
  readonly closedReservations: readonly ClosedReservation[];
  readonly lastRequest: IssuedCode | null;
  readonly lastConfirmation: IssuedCode | null;
  readonly lastReturn: IssuedCode | null;
  /** Licenses in use, by entitlement tag. */
  readonly usage: Readonly<Record<string, number>>;
  /** Evaluation: when it started (null: not yet) and how much of it has been used up to clock.accountedTo. */
  readonly evaluation: { readonly startedAt: number | null; readonly usedMs: number };
  /** Time spent Not Authorized - Reserved under the installed authorization code, up to clock.accountedTo. */
  readonly overage: { readonly usedMs: number };
  readonly clock: {
    /** The latest time this instance has seen, from its own clock or a signed code: time never goes back. */
    readonly highWater: number;
    /** Evaluation and overage are accounted up to this instant. */
    readonly accountedTo: number;
    /** How many times the clock was found set back. */
    readonly rollbacks: number;
    /** The clock was behind at the last reading: a set-back is logged once, when it is first seen. */
    readonly behind: boolean;
  };
  readonly events: readonly InstanceEvent[];
  /** Registered online (Smart Licensing); null when not. Excludes a reservation, and the other way round. */
  readonly online: OnlineRegistration | null;
  readonly transport: Transport;
  /** The seeds' "Do not share my hostname or IP address": when true, registration sends no host name. */
  readonly privacy: { readonly hostname: boolean };
  /** Unity Connection's encryption, Unified CM's mixed mode (security.ts); absent: never enabled. */
  readonly security?: { readonly enabled: boolean; readonly since: number };
  /** Alarms raised, with when they cleared (security.ts); absent: none. */
  readonly alarms?: readonly Alarm[];
  /** In a cluster (cluster.ts): its publisher, or one of its subscribers; absent: standalone. */
  readonly cluster?: ClusterState;
  /** Unified CM's SIP trunks (sip-trunks.ts): a secure one needs export-controlled functionality; absent: none. */
  readonly sipTrunks?: readonly SipTrunk[];
  /** The latest checkpoint of License Central's log seen, per signing key (witness.ts); absent: none yet. */
  readonly witness?: readonly Witness[];
  /** The expiry notices logged (notices.ts), by what each was about; absent: none yet. */
  readonly noticesGiven?: readonly string[];
  /** Offline usage reports of the current reservation (usage-report-commands.ts); absent: none made yet. */
  readonly usageReports?: UsageReporting;
}

/** A checkpoint of License Central's log that came with a code this device accepted (shared/codes/checkpoint.ts). */
export interface Witness {
  readonly keyId: string;
  readonly events: number;
  readonly head: string;
  /** When this device first saw it. */
  readonly at: number;
}

export interface SipTrunk {
  readonly name: string;
  readonly secure: boolean;
  readonly addedAt: number;
}

export interface ClusterNode {
  readonly name: string;
  /** The subscriber's device key (compressed P-256, base64), pinned at its join. */
  readonly publicKey: string;
  readonly joinedAt: number;
  readonly lastContact: number;
  /** Its usage as last synced, by tag. */
  readonly usage: Readonly<Record<string, number>>;
  readonly seq: number;
}

/** What a subscriber last learned from its publisher: the licensing status and the cluster's usage. */
export interface ClusterSnapshot {
  readonly at: number;
  readonly registration: string;
  readonly authorization: string;
  readonly usage: Readonly<Record<string, number>>;
}

export type ClusterState =
  | {
      readonly role: 'publisher';
      readonly nodes: readonly ClusterNode[];
      /** Join codes not used yet: the node's name, the SHA-256 of the secret, until when. */
      readonly joins: readonly { readonly name: string; readonly secretHash: string; readonly expiresAt: number }[];
    }
  | {
      readonly role: 'subscriber';
      readonly name: string;
      readonly publisher: string;
      /** The publisher's device key (compressed P-256, base64), pinned at the join. */
      readonly publisherKey: string;
      readonly publisherUdi: string;
      readonly joinedAt: number;
      readonly lastContact: number;
      readonly seq: number;
      readonly snapshot: ClusterSnapshot | null;
    };

export interface Alarm {
  readonly name: string;
  readonly severity: 'Critical' | 'Error' | 'Warning';
  readonly text: string;
  readonly raisedAt: number;
  readonly clearedAt: number | null;
}

/** An event of the instance's log. */
export const event = (at: number, type: string, message: string): InstanceEvent => ({ at, type, message });

/** The state with `events` appended to its log (chained when the state is saved). */
export function withEvents(state: InstanceState, ...events: InstanceEvent[]): InstanceState {
  return { ...state, events: [...state.events, ...events] };
}

/** The state as it is saved: without what is carried in memory only (the parse of the installed code). */
export function persistedState(state: InstanceState): InstanceState {
  if (!state.installed?.parsed) return state;
  const { parsed: _parsed, ...installed } = state.installed;
  return { ...state, installed };
}
