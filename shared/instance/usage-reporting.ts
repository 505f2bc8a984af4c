/** What the product instance keeps of its offline usage reports (usage-report-commands.ts): a part of its state (state.ts). */

/** Reports made and not acknowledged yet that the device remembers (an acknowledgement of an older one is refused). */
export const MAX_PENDING_REPORTS = 16;

/** The offline usage reports of one reservation: the last one made, those not acknowledged yet, the last acknowledgement. */
export interface UsageReporting {
  readonly piid: string;
  /** The number of the last report made (1 and up). */
  readonly seq: number;
  /** Reports made and not acknowledged yet, oldest first: their number, when, and the hash an acknowledgement names. */
  readonly pending: readonly { readonly seq: number; readonly at: number; readonly hash: string }[];
  readonly acked: UsageAcknowledged | null;
}

/** License Central's last acknowledgement imported. */
export interface UsageAcknowledged {
  readonly seq: number;
  /** When the device made the report (its clock): the next report covers the time since. */
  readonly reportAt: number;
  /** When License Central imported it (its clock). */
  readonly at: number;
  readonly keyId: string;
  /** What License Central counted beyond what is reserved. */
  readonly over: readonly { readonly tag: string; readonly inUse: number; readonly reserved: number }[];
  /** Reports before it that never reached License Central (their figures were in it). */
  readonly missing: number;
  /** When this device imported the acknowledgement. */
  readonly importedAt: number;
}
