/**
 * The product instance's status in words, the same in the CLI and the app. Kept apart from status.ts (which
 * parses codes) so that the renderer uses these without bundling the XML parser.
 */
import { findAnyEntitlement } from '../catalog.ts';
import { describeLifetime, formatDays, lifetime, type Lifetime } from '../lifetime.ts';
import type { InstanceStatus, UsageLine } from './status.ts';
import type { InstanceState, UsageAcknowledged, UsageReporting } from './state.ts';
import { formatInstant } from '../codes/dates.ts';

export { formatDays };

/** A license by its short name (UCM_Basic), its tag when the catalog does not know it. */
export const shortName = (tag: string) => findAnyEntitlement(tag)?.def.short ?? tag;

/** Licenses in use by short name, "UCM_Basic 7, UCM_Enhanced 2" (`none` when there are none). */
export const usageWords = (usage: Readonly<Record<string, number>>, none: string) =>
  Object.entries(usage)
    .map(([tag, n]) => `${shortName(tag)} ${n}`)
    .join(', ') || none;
// Days used count whole days, days left count the day that has begun.
const daysUsed = (d: number) => formatDays(Math.floor(d));
const daysLeft = (d: number) => formatDays(Math.ceil(d));

/** The evaluation period in words, the same in the CLI and the app. */
export function describeEvaluation(s: InstanceStatus): string {
  const e = s.evaluation;
  if (e.expired) return 'Expired';
  if (!e.started) return `Not started (${daysLeft(e.daysLeft)}; starts with the first license used)`;
  return e.running ? `${daysLeft(e.daysLeft)} left` : `Paused, ${daysLeft(e.daysLeft)} left`;
}

/** The overage period's days left: the one figure every screen and message gives. */
export const graceLeft = (s: { readonly overage: { readonly graceDaysLeft: number } }): string => daysLeft(s.overage.graceDaysLeft);

/** Overage in words, or null when there is none. */
export function describeOverage(s: InstanceStatus): string | null {
  return s.overage.days > 0 ? `${daysUsed(s.overage.days)} (${graceLeft(s)} of grace left)` : null;
}

/** A license line's lifetime: null for PERPETUAL, else when its TERM ends, seen at the device's clock. */
export const termLifetime = (u: UsageLine, s: InstanceStatus): Lifetime | null => (u.termEndsAt === null ? null : lifetime(u.termEndsAt, s.clock.effective));

/** The "valid until" column: Perpetual, or the TERM's end date with "Expired" or the days left. */
export function describeValidity(u: UsageLine, s: InstanceStatus): string {
  const life = termLifetime(u, s);
  if (!life) return u.licenseType ? 'Perpetual' : '-';
  return `${u.validUntil} (${describeLifetime(life)})`;
}

/** The TERM licenses that have ended or end within 90 days, soonest first: what the device warns about. */
export function termWarnings(s: InstanceStatus): { readonly line: UsageLine; readonly life: Lifetime }[] {
  return s.usage
    .map((line) => ({ line, life: termLifetime(line, s) }))
    .filter((w): w is { line: UsageLine; life: Lifetime } => w.life !== null && (w.life.expired || w.life.warning !== null))
    .sort((a, b) => a.life.endsAt - b.life.endsAt);
}

/** Online: the licenses in use above what License Central acknowledged, by short name, and why they are not authorized. */
export function describeUnacknowledged(s: InstanceStatus): string | null {
  const tags = s.online?.unacknowledged ?? [];
  if (!tags.length) return null;
  const names = tags.map(shortName).join(', ');
  return `${names}: in use above the last usage report License Central answered, not authorized until it answers a report that covers it.`;
}

/** The device's offline usage reports of its current reservation (a new reservation starts again at report 1). */
export function reportingOf(state: InstanceState): UsageReporting | null {
  const r = state.usageReports;
  return r && r.piid === state.reservation?.piid ? r : null;
}

/** What an acknowledgement says of the usage it acknowledges. */
export const overText = (over: UsageAcknowledged['over']) =>
  over.length
    ? `License Central counts licenses in use beyond those reserved: ${over.map((o) => `${shortName(o.tag)} ${o.inUse} of ${o.reserved}`).join(', ')}`
    : 'within what is reserved';

/** The offline usage reports in words (reportingOf's): the last acknowledged, and those made since that wait for an acknowledgement. */
export function describeUsageReports(r: UsageReporting | null): string[] {
  if (!r) return [];
  const a = r.acked;
  return [
    a
      ? `Usage Report: #${a.seq} of ${formatInstant(a.reportAt)} acknowledged by License Central ${formatInstant(a.at)}: ${overText(a.over)}`
      : 'Usage Report: none acknowledged yet',
    ...r.pending.map((p) => `Usage Report: #${p.seq} of ${formatInstant(p.at)} waits for its acknowledgement (license smart usage acknowledge FILE)`),
  ];
}
