/** Everything an operator sees about a product instance, derived from its state at a given time. */
import { clusterUsage } from './cluster.ts';
import { findEntitlement, productById, type ProductProfile } from '../catalog.ts';
import { parseAuthorizationCode, validityWindow, type AuthorizationCode, type Entitlement } from '../codes/authorization-code.ts';
import { DAY_MS } from '../codes/dates.ts';
import { formatUdi, makeUdi, serialOf } from '../udi.ts';
import { AUTHORIZATION, type AuthorizationStatus, type InstanceState, type RegistrationStatus } from './state.ts';
import { onlineView, type OnlineView } from './online.ts';
import { ONLINE_AUTHORIZATION, type OnlineAuthorization } from '../registration/protocol.ts';
import { accountTo, clockBehindMs, effectiveNow, EVALUATION_MS, isCompliant, OVERAGE_GRACE_MS, reservedAt } from './time.ts';

export interface UsageLine {
  readonly tag: string;
  readonly short: string;
  readonly displayName: string;
  readonly inUse: number;
  /** Reserved and valid now. */
  readonly reserved: number;
  /** Latest end date of a TERM entitlement of this tag ('' for PERPETUAL only or none). */
  readonly validUntil: string;
  /** The instant the latest TERM entitlement of this tag stops being valid (null: some PERPETUAL, or none). */
  readonly termEndsAt: number | null;
  readonly licenseType: string;
  readonly status:
    | 'Authorized'
    | 'Not Authorized'
    | 'Evaluation'
    | 'Not Allowed in Evaluation'
    | 'Evaluation Expired'
    | 'Not in Use'
    | 'Out of Compliance'
    | 'Authorization Expired';
}

export interface InstanceStatus {
  readonly product: ProductProfile;
  readonly udi: string;
  readonly sn: string;
  readonly reservationEnabled: boolean;
  /** Reservation's statuses, or Smart Licensing online's (Registered, Registration Expired) while registered online. */
  readonly registration: RegistrationStatus | OnlineView['registration'];
  readonly authorization: AuthorizationStatus | OnlineAuthorization;
  /** Registered online (Smart Licensing): where, until when, the last contact; null when not. */
  readonly online: (OnlineView & { readonly link: NonNullable<InstanceState['online']> }) | null;
  readonly evaluation: { readonly started: boolean; readonly running: boolean; readonly daysLeft: number; readonly expired: boolean };
  readonly overage: { readonly days: number; readonly graceDaysLeft: number };
  /** New licensed usage is refused. */
  readonly enforcement: { readonly active: boolean; readonly reason: string };
  readonly exportControlled: { readonly allowed: boolean; readonly reason: string };
  readonly clock: { readonly now: number; readonly effective: number; readonly behindMs: number; readonly rollbacks: number };
  readonly installed: {
    readonly piid: string;
    readonly timestamp: string;
    readonly signerKeyId: string;
    readonly installedAt: number;
    readonly entitlements: readonly Entitlement[];
  } | null;
  readonly usage: readonly UsageLine[];
}

export function productOf(state: InstanceState): ProductProfile {
  const p = productById(state.product);
  if (!p) throw new Error(`unknown product ${state.product}`);
  return p;
}

/**
 * The installed authorization code, parsed (it was verified when installed and when the state was loaded):
 * the parse the state carries (InstalledReservation.parsed), or a parse of its text.
 */
export function installedCode(state: InstanceState): AuthorizationCode | null {
  if (!state.installed) return null;
  return state.installed.parsed ?? parseAuthorizationCode(state.installed.code);
}

const days = (ms: number) => ms / DAY_MS;

type Enforcement = InstanceStatus['enforcement'];
const NO_ENFORCEMENT: Enforcement = { active: false, reason: '' };

/** The seeds' enforcement: new users and devices refused, and why. */
function enforcementOf(noCode: boolean, evaluationExpired: boolean, online: OnlineView | null, overageExpired: boolean): Enforcement {
  if (online?.authorization === ONLINE_AUTHORIZATION.expired)
    return {
      active: true,
      reason: 'The authorization expired (no contact with License Central for 90 days): new users and devices are refused until it is renewed.',
    };
  if (noCode && !online?.active && evaluationExpired)
    return {
      active: true,
      reason: online
        ? 'The registration expired and the 90-day evaluation period is used up: new users and devices are refused until the instance registers again.'
        : 'The 90-day evaluation period has expired: new users and devices are refused until a reservation is installed.',
    };
  if (overageExpired)
    return {
      active: true,
      reason: online
        ? "Usage has exceeded the virtual account's licenses for more than 90 days: new users and devices are refused until the account has the licenses or usage is reduced."
        : 'Usage has exceeded the reserved licenses for more than 90 days: new users and devices are refused until the reservation is updated or usage is reduced.',
    };
  return NO_ENFORCEMENT;
}

function exportControlOf(state: InstanceState, product: ProductProfile, entitlements: readonly Entitlement[], online: OnlineView | null, t: number) {
  if (online?.active)
    return state.online!.exportControlled
      ? { allowed: true, reason: 'The registration token allowed export-controlled functionality.' }
      : { allowed: false, reason: 'The registration token did not allow export-controlled functionality.' };
  if (!entitlements.length)
    return { allowed: false, reason: 'Export-controlled functionality is never allowed in evaluation or without an installed reservation.' };
  const exportKey = entitlements.find((e) => findEntitlement(product, e.tag)?.exportKey && reservedAt(entitlements, e.tag, t) > 0);
  return exportKey
    ? { allowed: true, reason: `The installed reservation carries ${exportKey.displayName}.` }
    : { allowed: false, reason: 'The installed reservation does not carry the export-restricted authorization key.' };
}

/** A license's status on the usage table. */
function lineStatus(
  inUse: number,
  reserved: number,
  hasCode: boolean,
  online: OnlineView | null,
  inEvaluation: boolean,
  expired: boolean,
  tag: string,
): UsageLine['status'] {
  if (inUse === 0) return 'Not in Use';
  if (online?.authorization === ONLINE_AUTHORIZATION.expired) return 'Authorization Expired';
  if (online?.active) return online.shortTags.includes(tag) ? 'Out of Compliance' : 'Authorized';
  if (hasCode) return inUse <= reserved ? 'Authorized' : 'Not Authorized';
  if (!inEvaluation) return 'Not Allowed in Evaluation';
  return expired ? 'Evaluation Expired' : 'Evaluation';
}

function usageLines(
  hasCode: boolean,
  state: InstanceState,
  product: ProductProfile,
  entitlements: readonly Entitlement[],
  online: OnlineView | null,
  t: number,
  evaluationExpired: boolean,
): UsageLine[] {
  const counts = clusterUsage(state);
  const tags = new Set<string>([...Object.keys(counts), ...entitlements.map((e) => e.tag)]);
  const usage: UsageLine[] = [...tags].map((tag) => {
    const def = findEntitlement(product, tag);
    const inUse = counts[tag] ?? 0;
    const reserved = reservedAt(entitlements, tag, t);
    const mine = entitlements.filter((e) => e.tag === tag);
    const terms = mine.filter((e) => e.licenseType === 'TERM');
    const latestTerm = terms.reduce<Entitlement | null>((best, e) => (!best || validityWindow(e).until > validityWindow(best).until ? e : best), null);
    return {
      tag,
      short: def?.short ?? tag,
      displayName: def?.displayName ?? mine[0]?.displayName ?? tag,
      inUse,
      reserved,
      validUntil: latestTerm && terms.length === mine.length ? latestTerm.endDate : '',
      termEndsAt: latestTerm && terms.length === mine.length ? validityWindow(latestTerm).until : null,
      licenseType: [...new Set(mine.map((e) => e.licenseType))].join('+'),
      status: lineStatus(inUse, reserved, hasCode, online, !def || def.inEvaluation, evaluationExpired, tag),
    };
  });
  const order = (tag: string) => {
    const i = product.entitlements.findIndex((e) => e.tag === tag);
    return i < 0 ? 1e9 : i;
  };
  return usage.sort((a, b) => order(a.tag) - order(b.tag));
}

export function deriveStatus(state: InstanceState, now: number): InstanceStatus {
  const product = productOf(state);
  const code = installedCode(state);
  const entitlements = code?.entitlements ?? [];
  const t = effectiveNow(state, now);
  const acc = accountTo(state, entitlements, t);
  const totalUse = Object.values(clusterUsage(state)).reduce((a, b) => a + b, 0);
  const evaluationExpired = acc.evaluationUsedMs >= EVALUATION_MS;
  const online = onlineView(state, t);

  let authorization: InstanceStatus['authorization'];
  if (online?.authorization) authorization = online.authorization;
  else if (!code) authorization = evaluationExpired ? AUTHORIZATION.evaluationExpired : AUTHORIZATION.evaluation;
  else if (totalUse === 0) authorization = AUTHORIZATION.noLicenses;
  else authorization = isCompliant(clusterUsage(state), entitlements, t) ? AUTHORIZATION.authorized : AUTHORIZATION.notAuthorized;
  const over = authorization === AUTHORIZATION.notAuthorized || authorization === ONLINE_AUTHORIZATION.outOfCompliance;

  return {
    product,
    udi: formatUdi(makeUdi(product, state.uuid)),
    sn: serialOf(state.uuid),
    reservationEnabled: state.reservationEnabled,
    registration: online?.registration ?? state.registration,
    authorization,
    online: online && state.online ? { ...online, link: state.online } : null,
    evaluation: {
      started: state.evaluation.startedAt !== null,
      running: state.evaluation.startedAt !== null && !code && !online?.active && !evaluationExpired,
      daysLeft: Math.max(0, days(EVALUATION_MS - acc.evaluationUsedMs)),
      expired: evaluationExpired,
    },
    overage: { days: days(acc.overageMs), graceDaysLeft: Math.max(0, days(OVERAGE_GRACE_MS - acc.overageMs)) },
    enforcement: enforcementOf(!code, evaluationExpired, online, over && acc.overageMs >= OVERAGE_GRACE_MS),
    exportControlled: exportControlOf(state, product, entitlements, online, t),
    clock: { now, effective: t, behindMs: clockBehindMs(state, now), rollbacks: state.clock.rollbacks },
    installed:
      code && state.installed
        ? {
            piid: code.piid,
            timestamp: code.timestamp,
            signerKeyId: state.installed.signerKeyId,
            installedAt: state.installed.installedAt,
            entitlements: code.entitlements,
          }
        : null,
    usage: usageLines(code !== null, state, product, entitlements, online, t, evaluationExpired),
  };
}
