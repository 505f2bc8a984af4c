/**
 * The bridge contract's device view (shared/bridge.ts re-exports it): what the product instance's workspace
 * shows, read in one call (`instanceView`).
 */
import type { Alarm, ClusterState, InstanceEvent, IssuedCode, SipTrunk, UsageReporting, Witness } from './instance/state.ts';
import type { InstanceStatus } from './instance/status.ts';
import type { DeviceExpiry } from './instance/expiring.ts';
import type { ReservationCommand } from './instance/command-table.ts';
import type { TransportView } from './bridge-online.ts';

export interface Availability {
  readonly allowed: boolean;
  /** Why not, and what to do instead (empty when allowed). */
  readonly why: string;
  readonly hint: string;
}

export type InstanceView =
  | { readonly exists: false; readonly dir: string }
  | {
      readonly exists: true;
      readonly dir: string;
      readonly status: InstanceStatus;
      readonly lastRequest: IssuedCode | null;
      readonly lastConfirmation: IssuedCode | null;
      readonly lastReturn: IssuedCode | null;
      readonly trustedKeys: readonly { readonly id: string; readonly label: string; readonly addedAt: number }[];
      readonly events: readonly InstanceEvent[];
      /** The event log's chain: intact, or the first event that was changed. */
      readonly logCheck: LogCheck;
      readonly availability: Readonly<Record<ReservationCommand, Availability>>;
      /** Smart Licensing online: how the device reaches License Central, and whether it shares its host name. */
      readonly transport: TransportView;
      readonly privacy: { readonly hostname: boolean };
      /** The device key cannot be opened here (sealed by an OS secret store that no longer opens it): why, and what to do. */
      readonly keyProblem: { readonly message: string; readonly hint: string } | null;
      /** Unity Connection's encryption or Unified CM's mixed mode, and whether export-controlled functionality allows it now. */
      readonly security: { readonly enabled: boolean; readonly since: number | null; readonly allowed: boolean; readonly reason: string };
      /** The alarms raised, active first. */
      readonly alarms: readonly Alarm[];
      readonly checkpoints: readonly Witness[]; // of License Central's log, per signing key (instance/witness.ts)
      readonly usageReports: UsageReporting | null; // offline usage reports of the current reservation
      readonly expiring: readonly DeviceExpiry[]; // what runs out within 90 days (instance/expiring.ts)
      /** In a cluster: its publisher (with its subscribers) or a subscriber (with its publisher and the status as of the last contact). */
      readonly cluster: ClusterState | null;
      /** Unified CM's SIP trunks (null: the product has none here). */
      readonly sipTrunks: readonly SipTrunk[] | null;
    };

/** What the check of an event log's chain of hashes says. */
export interface LogCheck {
  readonly intact: boolean;
  readonly text: string;
}
