/**
 * What installing an authorization code would do, license by license, before it is installed: in use now,
 * reserved now, reserved by the code, and the status after; with a plain warning when the code leaves more
 * in use than it reserves (the device becomes Not Authorized - Reserved and the overage period runs). The
 * status after is deriveStatus's own, on the state as it would be: one rule, not a second copy of it.
 */
import type { AuthorizationCode } from '../codes/authorization-code.ts';
import { REGISTRATION, type InstanceState } from './state.ts';
import { deriveStatus, type UsageLine } from './status.ts';
import { DAY_MS } from '../codes/dates.ts';
import { OVERAGE_GRACE_MS } from './time.ts';

export interface ImpactLine {
  readonly tag: string;
  readonly displayName: string;
  readonly inUse: number;
  readonly reservedNow: number;
  readonly reservedByCode: number;
  readonly statusNow: UsageLine['status'];
  readonly statusAfter: UsageLine['status'];
}

export interface InstallImpact {
  readonly lines: readonly ImpactLine[];
  readonly authorizationNow: string;
  readonly authorizationAfter: string;
  /** Plain sentences: what goes out of compliance, and what to do instead. Empty when nothing does. */
  readonly warnings: readonly string[];
}

export function installImpact(state: InstanceState, code: AuthorizationCode, now: number): InstallImpact {
  const before = deriveStatus(state, now);
  const installed = { code: code.text, signerKeyId: '', installedAt: now, parsed: code };
  const after = deriveStatus({ ...state, registration: REGISTRATION.registered, installed }, now);
  const nowByTag = new Map(before.usage.map((u) => [u.tag, u]));
  const lines = after.usage.map((u) => ({
    tag: u.tag,
    displayName: u.displayName,
    inUse: u.inUse,
    reservedNow: nowByTag.get(u.tag)?.reserved ?? 0,
    reservedByCode: u.reserved,
    statusNow: nowByTag.get(u.tag)?.status ?? 'Not in Use',
    statusAfter: u.status,
  }));
  const short = lines.filter((l) => l.statusAfter === 'Not Authorized');
  const warnings = short.map(
    (l) =>
      `${l.displayName}: this code reserves ${l.reservedByCode} where ${l.inUse} are in use. After installing it the device is ${after.authorization}` +
      ` and the ${OVERAGE_GRACE_MS / DAY_MS}-day overage period runs. Reduce the usage to ${l.reservedByCode} first, or ask License Central for at least ${l.inUse}.`,
  );
  return { lines, authorizationNow: before.authorization, authorizationAfter: after.authorization, warnings };
}
