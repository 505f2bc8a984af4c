/**
 * Smart Licensing online between a product instance and License Central's server, as data and pure
 * functions: the seeds' periods and statuses, the message a device signs for every call after it registered
 * (so only the holder of the device key can renew, report or deregister it, and a call cannot be replayed),
 * and whether a virtual account's pool covers what its registered instances report.
 */
import { concatBytes, utf8 } from '../bytes.ts';
import type { CryptoBasics } from '../ports.ts';

const DAY = 86_400_000;
/** The seeds' periods: registration valid a year, renewed every six months; authorization valid 90 days, renewed every 30. */
export const PERIODS = {
  registrationValid: 365 * DAY,
  registrationRenew: 180 * DAY,
  authorizationValid: 90 * DAY,
  authorizationRenew: 30 * DAY,
  usageReport: DAY,
} as const;

/** The seeds' statuses of Smart Licensing online. */
export const ONLINE_REGISTRATION = { unregistered: 'Unregistered', registered: 'Registered', expired: 'Registration Expired' } as const;
export const ONLINE_AUTHORIZATION = {
  noLicenses: 'No Licenses in Use',
  authorized: 'Authorized',
  outOfCompliance: 'Out of Compliance',
  expired: 'Authorization Expired',
} as const;
export type OnlineAuthorization = (typeof ONLINE_AUTHORIZATION)[keyof typeof ONLINE_AUTHORIZATION];

/** The headers of a device's signed call: its registration, the call's sequence number, the signature. */
export const DEVICE_HEADERS = { instance: 'x-slr-instance', seq: 'x-slr-seq', signature: 'x-slr-signature' } as const;

/**
 * What a registered device signs for a call: the operation, its registration, a sequence number that only
 * ever grows (the server refuses one it has seen, so a recorded call cannot be sent again) and the SHA-256
 * of the body. No clock is involved: a device whose clock is off calls all the same.
 */
export function deviceCallMessage(crypto: Pick<CryptoBasics, 'sha256'>, call: { operation: string; instance: string; seq: number; body: string }): Uint8Array {
  return concatBytes(utf8(`SLR-DEVICE-CALL-1\n${call.operation}\n${call.instance}\n${call.seq}\n`), crypto.sha256(utf8(call.body)));
}

/**
 * What a device signs when it registers (proof that it holds the key it registers): the token it uses, its
 * UDI, key and host name, whether it moves a registration of its own (force), the License Central keys it
 * trusts, and a nonce of its own, so that a recorded registration cannot be sent again once it was used.
 */
export function registerMessage(
  crypto: Pick<CryptoBasics, 'sha256'>,
  r: { token: string; udi: string; devicePublicKey: string; hostname: string | null; force: boolean; trustedKeyIds: readonly string[]; nonce: string },
): Uint8Array {
  const head = `SLR-REGISTER-1\n${r.udi}\n${r.devicePublicKey}\n${r.hostname ?? ''}\n${r.force ? 1 : 0}\n${r.trustedKeyIds.join(',')}\n${r.nonce}\n`;
  return concatBytes(utf8(head), crypto.sha256(utf8(r.token)));
}

/** A registration's nonce: 16 to 64 characters of base64url (the device makes 16 random bytes). */
export const REGISTER_NONCE = /^[A-Za-z0-9_-]{16,64}$/;

/** What License Central signs as a registered device's identity. */
export const identityMessage = (instance: string, udi: string, devicePublicKey: string, registrationExpires: number) =>
  utf8(`SLR-IDENTITY-1\n${instance}\n${udi}\n${devicePublicKey}\n${registrationExpires}`);

export interface LicenseUse {
  readonly tag: string;
  /** What the instance reports in use. */
  readonly inUse: number;
}

export interface Compliance {
  readonly status: OnlineAuthorization;
  /** Per license that is not covered: what the account's registered instances use, and what it has for them. */
  readonly shortfalls: readonly { readonly tag: string; readonly inUse: number; readonly available: number }[];
}

/**
 * Whether what an instance uses is covered: for each license it uses, everything the account's registered
 * instances report of it against what the account has for them (valid now, not blocked by reservations).
 * Licenses are pooled: no one instance holds any; an account over its pool is out of compliance for every
 * instance that uses the license it lacks.
 */
export function complianceOf(
  uses: readonly LicenseUse[],
  accountInUse: Readonly<Record<string, number>>,
  available: Readonly<Record<string, number>>,
): Compliance {
  const used = uses.filter((u) => u.inUse > 0);
  if (!used.length) return { status: ONLINE_AUTHORIZATION.noLicenses, shortfalls: [] };
  const shortfalls = used
    .map((u) => ({ tag: u.tag, inUse: accountInUse[u.tag] ?? u.inUse, available: available[u.tag] ?? 0 }))
    .filter((s) => s.inUse > s.available);
  return { status: shortfalls.length ? ONLINE_AUTHORIZATION.outOfCompliance : ONLINE_AUTHORIZATION.authorized, shortfalls };
}

/** A registration as License Central answers it, and as the device keeps it. */
export interface Registration {
  readonly instance: string;
  readonly udi: string;
  readonly account: string;
  readonly registeredAt: number;
  readonly registrationExpires: number;
  readonly authorizationExpires: number;
  readonly exportControlled: boolean;
  /** License Central's signature over the device's identity (its registration, UDI and key): the device keeps it. */
  readonly identity: { readonly keyId: string; readonly signature: string };
}

/**
 * An export authorization key (export control online, `license smart export request local <feature>`): License
 * Central's signature over the grant of one export key license to a registered instance for a feature.
 */
export interface ExportGrant {
  readonly feature: string;
  /** The grant's id at License Central. */
  readonly grant: string;
  readonly grantedAt: number;
  readonly keyId: string;
  readonly signature: string;
}

/** What License Central signs for an export authorization key. */
export const exportKeyMessage = (instance: string, udi: string, g: Pick<ExportGrant, 'feature' | 'grant' | 'grantedAt'>) =>
  utf8(`SLR-EXPORT-KEY-1\n${instance}\n${udi}\n${g.feature}\n${g.grant}\n${g.grantedAt}`);
