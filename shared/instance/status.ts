/** Everything an operator sees about a product instance, derived from its state at a given time. */
import { findEntitlement, productById, type ProductProfile } from '../catalog.ts';
import { parseAuthorizationCode, validityWindow, type AuthorizationCode, type Entitlement } from '../codes/authorization-code.ts';
import { DAY_MS } from '../codes/dates.ts';
import { formatUdi, makeUdi, serialOf } from '../udi.ts';
import { AUTHORIZATION, type AuthorizationStatus, type InstanceState, type RegistrationStatus } from './state.ts';
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
  readonly licenseType: string;
  readonly status: 'Authorized' | 'Not Authorized' | 'Evaluation' | 'Not Allowed in Evaluation' | 'Evaluation Expired' | 'Not in Use';
}

export interface InstanceStatus {
  readonly product: ProductProfile;
  readonly udi: string;
  readonly sn: string;
  readonly reservationEnabled: boolean;
  readonly registration: RegistrationStatus;
  readonly authorization: AuthorizationStatus;
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

export function deriveStatus(state: InstanceState, now: number): InstanceStatus {
  const product = productOf(state);
  const code = installedCode(state);
  const entitlements = code?.entitlements ?? [];
  const t = effectiveNow(state, now);
  const acc = accountTo(state, entitlements, t);
  const totalUse = Object.values(state.usage).reduce((a, b) => a + b, 0);
  const evaluationExpired = acc.evaluationUsedMs >= EVALUATION_MS;
  const compliant = isCompliant(state.usage, entitlements, t);

  let authorization: AuthorizationStatus;
  if (!code) authorization = evaluationExpired ? AUTHORIZATION.evaluationExpired : AUTHORIZATION.evaluation;
  else if (totalUse === 0) authorization = AUTHORIZATION.noLicenses;
  else authorization = compliant ? AUTHORIZATION.authorized : AUTHORIZATION.notAuthorized;

  const overageExpired = authorization === AUTHORIZATION.notAuthorized && acc.overageMs >= OVERAGE_GRACE_MS;
  const enforcement =
    !code && evaluationExpired
      ? { active: true, reason: 'The 90-day evaluation period has expired: new users and devices are refused until a reservation is installed.' }
      : overageExpired
        ? {
            active: true,
            reason:
              'Usage has exceeded the reserved licenses for more than 90 days: new users and devices are refused until the reservation is updated or usage is reduced.',
          }
        : { active: false, reason: '' };

  const exportKey = entitlements.find((e) => findEntitlement(product, e.tag)?.exportKey && reservedAt(entitlements, e.tag, t) > 0);
  const exportControlled = !code
    ? { allowed: false, reason: 'Export-controlled functionality is never allowed in evaluation or without an installed reservation.' }
    : exportKey
      ? { allowed: true, reason: `The installed reservation carries ${exportKey.displayName}.` }
      : { allowed: false, reason: 'The installed reservation does not carry the export-restricted authorization key.' };

  const tags = new Set<string>([...Object.keys(state.usage), ...entitlements.map((e) => e.tag)]);
  const usage: UsageLine[] = [...tags].map((tag) => {
    const def = findEntitlement(product, tag);
    const inUse = state.usage[tag] ?? 0;
    const reserved = reservedAt(entitlements, tag, t);
    const mine = entitlements.filter((e) => e.tag === tag);
    const terms = mine.filter((e) => e.licenseType === 'TERM');
    const latestTerm = terms.reduce<Entitlement | null>((best, e) => (!best || validityWindow(e).until > validityWindow(best).until ? e : best), null);
    const validUntil = latestTerm && terms.length === mine.length ? latestTerm.endDate : '';
    let status: UsageLine['status'];
    if (inUse === 0) status = 'Not in Use';
    else if (code) status = inUse <= reserved ? 'Authorized' : 'Not Authorized';
    else if (def && !def.inEvaluation) status = 'Not Allowed in Evaluation';
    else status = evaluationExpired ? 'Evaluation Expired' : 'Evaluation';
    return {
      tag,
      short: def?.short ?? tag,
      displayName: def?.displayName ?? mine[0]?.displayName ?? tag,
      inUse,
      reserved,
      validUntil,
      licenseType: [...new Set(mine.map((e) => e.licenseType))].join('+'),
      status,
    };
  });
  const order = (tag: string) => {
    const i = product.entitlements.findIndex((e) => e.tag === tag);
    return i < 0 ? 1e9 : i;
  };
  usage.sort((a, b) => order(a.tag) - order(b.tag));

  return {
    product,
    udi: formatUdi(makeUdi(product, state.uuid)),
    sn: serialOf(state.uuid),
    reservationEnabled: state.reservationEnabled,
    registration: state.registration,
    authorization,
    evaluation: {
      started: state.evaluation.startedAt !== null,
      running: state.evaluation.startedAt !== null && !code && !evaluationExpired,
      daysLeft: Math.max(0, days(EVALUATION_MS - acc.evaluationUsedMs)),
      expired: evaluationExpired,
    },
    overage: { days: days(acc.overageMs), graceDaysLeft: Math.max(0, days(OVERAGE_GRACE_MS - acc.overageMs)) },
    enforcement,
    exportControlled,
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
    usage,
  };
}
