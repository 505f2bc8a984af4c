/** What the authority shows: the rows of its reports, the same for the CLI, the bridge and the exports. */

/** One row of the Licenses table: a virtual account's licenses of one tag, valid now. */
export interface LicenseLine {
  readonly account: string;
  readonly tag: string;
  readonly short: string;
  readonly displayName: string;
  readonly level: number | null;
  readonly purchased: number;
  readonly reserved: number;
  readonly inTransition: number;
  readonly available: number;
  /** Earliest end date of the TERM lots valid now ('' when all are PERPETUAL). */
  readonly expires: string;
}

/** One row of the Product Instances table. */
/**
 * What a device's codes showed of its state (electron/authority/ledger/device-state.ts): put back to an
 * earlier state, running a code this License Central never issued, trusting a key that is not its own.
 */
/** How many events one listing of the log gives at most (older ones are paged to with `before`). */
export const EVENTS_PAGE = 10_000;

export const DEVICE_FINDINGS = { 'rolled-back': 'ROLLED BACK', 'foreign-code': 'FOREIGN CODE', 'foreign-key': 'FOREIGN KEY' } as const;
export type DeviceFinding = keyof typeof DEVICE_FINDINGS;

export interface InstanceLine {
  readonly account: string;
  readonly udi: string;
  /** The product id (the UDI's PID: UCM, CUC, SME). */
  readonly product: string;
  readonly sn: string;
  readonly productType: string;
  readonly piid: string;
  readonly state: string;
  readonly lastContact: number;
  readonly locked: boolean;
  /** The latest finding about the device's state from the digest its codes carry, in a word and in words; null: none. */
  readonly deviceFinding: DeviceFinding | null;
  readonly deviceWarning: string | null;
  readonly deviceWarningAt: number | null;
  /** Reserved and in-transition counts by the catalog's short name. */
  readonly reserved: Readonly<Record<string, number>>;
  readonly inTransition: Readonly<Record<string, number>>;
  /** Its TERM licenses, each with the instant it stops being valid: the device counts them only until then. */
  readonly terms: readonly TermHolding[];
  /** The latest code it was given is an update whose confirmation code has not been entered. */
  readonly awaitingConfirmation: boolean;
  /** A cluster publisher's subscribers, as its request code named them (one instance, one reservation); empty: standalone. */
  readonly nodes: readonly string[];
}

export interface TermHolding {
  readonly short: string;
  readonly count: number;
  readonly endsAt: number;
}

/** A page of the product instances: what the authority's list asks for (search, filters, sort, paging). */
export interface InstanceQuery {
  /** Part of a UDI, serial number, virtual account or product id. */
  readonly search?: string;
  readonly account?: string;
  readonly product?: string;
  readonly only?: 'locked' | 'in-transition';
  readonly sort?: 'sn' | 'account' | 'product' | 'last-contact';
  readonly descending?: boolean;
  readonly offset?: number;
  readonly limit?: number;
}

export interface InstancePage {
  /** How many instances match (all pages). */
  readonly total: number;
  readonly offset: number;
  readonly rows: readonly InstanceLine[];
}

export const INSTANCE_PAGE_MAX = 200;

/** One entry of the authority's event log: who did what, when, with which code. */
export interface LedgerEvent {
  readonly id: number;
  readonly at: number;
  readonly actor: string;
  readonly account: string | null;
  readonly instance: string | null;
  readonly type: string;
  readonly message: string;
  readonly code: string | null;
  /** The log's chain (shared/event-chain.ts): the hash of this event and all before it. */
  readonly hash: string | null;
}

/** An authorization code just issued, and for which device. */
export interface Issued {
  readonly code: string;
  readonly udi: string;
  readonly sn: string;
  readonly piid: string;
  /** What the device's code said of its state that needs a look (a forged or rolled-back device); none: nothing. */
  readonly warnings?: readonly string[];
}

/** A Product Instance Registration Token as listed (never the token's text: it is shown once, when made). */
export interface TokenLine {
  readonly id: string;
  readonly account: string;
  readonly description: string;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly expiresAt: number;
  readonly maxUses: number | null;
  readonly uses: number;
  readonly exportControlled: boolean;
  /** `valid`, `expired`, `used up` or `revoked`, at the time asked. */
  readonly state: 'valid' | 'expired' | 'used up' | 'revoked';
}

/** A product instance registered online (Smart Licensing), as License Central lists it. */
export interface RegisteredLine {
  readonly instance: string;
  readonly account: string;
  readonly udi: string;
  readonly registeredAt: number;
  readonly registrationExpires: number;
  readonly authorizationExpires: number;
  readonly lastContact: number;
  readonly lastUsageReport: number | null;
  readonly exportControlled: boolean;
  /** What it reported in use, by short name. */
  readonly usage: Readonly<Record<string, number>>;
  readonly compliance: string;
  /** The export features it holds an export authorization key for (export control online). */
  readonly exportKeys: readonly string[];
  /** A cluster publisher's subscribers (its usage is the cluster's); empty for a standalone instance. */
  readonly nodes: readonly string[];
}

/** A reserved instance's offline usage reports (electron/authority/ledger/usage-reports.ts): its last one, and its flags. */
export interface UsageReportLine {
  readonly account: string;
  readonly udi: string;
  readonly sn: string;
  /** The satellite it holds its reservation from (its reports came up in the satellite's sync files), or null: from here. */
  readonly satellite: string | null;
  /** When its reservation was made (null: at a satellite). */
  readonly reservedAt: number | null;
  readonly last: {
    readonly seq: number;
    /** When the device made it (its clock), and when License Central imported it (its own). */
    readonly madeAt: number;
    readonly importedAt: number;
    /** The device's Authorization Status when it made it. */
    readonly status: string;
    readonly usage: Readonly<Record<string, number>>;
    readonly overageMs: number;
    readonly missing: number;
  } | null;
  /** Licenses the last report showed in use beyond what was reserved. */
  readonly over: readonly { readonly tag: string; readonly inUse: number; readonly reserved: number }[];
  /** over-reserved: the last report uses more than is reserved; silent: no report within the policy's days. */
  readonly flags: readonly ('over-reserved' | 'silent')[];
}
