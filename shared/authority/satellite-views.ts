/**
 * What the two sides of satellites show, the same for the CLI's `show satellites` (and its --json) and the
 * app's Satellites tab: on a parent, each satellite; on a satellite, its parent and its last round.
 */
import type { LotKey, SatelliteMode } from './sync-file.ts';

/** A lot's count as the parent allocated it, or as a satellite holds it. */
type Lot = Omit<LotKey, 'start'>;

/** One of a parent's satellites: what it holds, its last synchronisation, what is pending. */
export interface SatelliteLine {
  readonly name: string;
  readonly mode: string;
  /** `invited` (its enrolment file not yet answered) or `enrolled`. */
  readonly state: string;
  readonly enrolledAt: number | null;
  readonly lastSyncAt: number | null;
  readonly filesApplied: number;
  readonly answersWritten: number;
  /** The last answer the satellite said it applied. */
  readonly answersApplied: number;
  readonly events: number;
  /** A fork or another refusal the parent recorded against it (null: none). */
  readonly problem: string | null;
  /** What the parent blocks for it (`blocked`) and what it is to hold (`target`: lower while a decrease waits). */
  readonly allocations: readonly (Lot & { readonly blocked: number; readonly target: number })[];
  /** What it reported holding of each lot, and how much of that its devices hold. */
  readonly holdings: readonly (Lot & { readonly count: number; readonly blocked: number })[];
}

/** A satellite's record of its parent, as `show satellites` gives it (its JSON keeps every field). */
export interface ParentLine {
  readonly uid: string;
  readonly name: string;
  readonly smartAccount: string;
  readonly mode: SatelliteMode;
  readonly intervalMinutes: number;
  readonly url: string | null;
  readonly fingerprint: string | null;
  readonly enrolledAt: number;
  /** The last file this satellite wrote, and the last the parent said it applied. */
  readonly upSeq: number;
  readonly upApplied: number;
  /** The last answer of the parent applied here. */
  readonly downSeq: number;
  readonly eventsHeld: { readonly id: number; readonly hash: string | null };
  readonly targets: readonly (LotKey & { readonly target: number })[];
  readonly lastSyncAt: number | null;
  /** Connected mode: the last round's failure, when the next is due, and the failures in a row. */
  readonly lastError: string | null;
  readonly retryAt: number | null;
  readonly failures: number;
  readonly parentKeyIds: readonly string[];
  /** Connected mode: the enrolment reply is not yet taken by the parent. */
  readonly replyPending: boolean;
}

/** The Satellites view: a parent (with no satellites: a License Central standing alone) or a satellite. */
export type SatellitesView =
  { readonly role: 'parent'; readonly satellites: readonly SatelliteLine[] } | { readonly role: 'satellite'; readonly parent: ParentLine };
