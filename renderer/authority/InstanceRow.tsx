/**
 * One product instance in the list: its name with what needs the administrator's eye spelled out (LOCKED, a
 * TERM that ended or ends soon, a finding about the device's state), its licenses as the device counts them
 * now, and a menu of only the actions that apply to it.
 */
import type { InstanceLineView } from '../../shared/bridge.ts';
import { DEVICE_FINDINGS, type TermHolding } from '../../shared/authority/views.ts';
import { findAnyEntitlement } from '../../shared/catalog.ts';
import { describeLifetime, lifetime } from '../../shared/lifetime.ts';
import { DAY_MS } from '../../shared/codes/dates.ts';
import { MenuButton, type MenuItem } from '../components/MenuButton.tsx';
import { formatDay, formatWhen } from '../components/format.ts';
import { ACTION_LABELS, type InstanceAction } from './InstanceActions.tsx';
import type { Ready } from './types.ts';

const nameOf = (short: string) => findAnyEntitlement(short)?.def.displayName ?? short;

/** Licenses by display name (the tag is in the instance's details). */
const licenseList = (m: Readonly<Record<string, number>>) =>
  Object.entries(m)
    .filter(([, n]) => n > 0)
    .map(([k, v]) => `${v} × ${nameOf(k)}`)
    .join(', ') || '-';

/** The actions that apply to this instance, in the menu's order. */
export function actionsFor(i: InstanceLineView, accounts: number): InstanceAction[] {
  const codesAccepted = !i.locked;
  const awaiting = i.awaitingConfirmation || Object.keys(i.inTransition).length > 0;
  return [
    'update',
    ...(codesAccepted && awaiting ? (['confirm'] as const) : []),
    ...(codesAccepted ? (['remove'] as const) : []),
    'rehost',
    ...(accounts > 1 ? (['transfer'] as const) : []),
    'code',
  ];
}

/** Its TERM licenses seen at License Central's clock: those ended (the device no longer counts them) and those ending within 90 days. */
function termState(terms: readonly TermHolding[], now: number) {
  const seen = terms.map((t) => ({ t, life: lifetime(t.endsAt, now) }));
  return {
    ended: seen.filter((x) => x.life.expired).map((x) => x.t),
    soon: seen.filter((x) => !x.life.expired && x.life.warning !== null),
  };
}

type TermState = ReturnType<typeof termState>;

function Notes({ i, terms: { ended, soon } }: { i: InstanceLineView; terms: TermState }) {
  const day = (t: TermHolding) => formatDay(t.endsAt - DAY_MS);
  return (
    <>
      {i.locked && <div className="row-note">Locked after too many wrong codes in a row: its codes are refused until you unlock it.</div>}
      {i.nodes.length > 0 && <div className="row-note">Cluster publisher; subscribers {i.nodes.join(', ')} (their usage counts in this reservation).</div>}
      {ended.map((t) => (
        <div key={`e-${t.short}-${t.endsAt}`} className="row-note row-note-bad">
          {t.count} × {nameOf(t.short)}: TERM ended {day(t)}; the device no longer counts them. Update its reservation.
        </div>
      ))}
      {soon.map(({ t, life }) => (
        <div key={`s-${t.short}-${t.endsAt}`} className="row-note">
          {t.count} × {nameOf(t.short)}: TERM ends {day(t)} ({describeLifetime(life)}).
        </div>
      ))}
    </>
  );
}

/** What it holds that the device still counts: TERM licenses that ended are taken out. */
function countedNow(i: InstanceLineView, ended: readonly TermHolding[]): Record<string, number> {
  const out = { ...i.reserved };
  for (const t of ended) out[t.short] = (out[t.short] ?? 0) - t.count;
  return out;
}

export function InstanceRow({
  i,
  view,
  open,
  unlock,
}: {
  i: InstanceLineView;
  view: Ready;
  open: (action: InstanceAction, from: HTMLElement) => void;
  unlock: () => void;
}) {
  const terms = termState(i.terms, view.now);
  const items: MenuItem[] = [
    ...actionsFor(i, view.accounts.length).map((a) => ({ key: a, label: ACTION_LABELS[a], act: (from: HTMLElement) => open(a, from) })),
    ...(i.locked ? [{ key: 'unlock', label: 'Unlock', act: unlock }] : []),
  ];
  return (
    <tr data-sn={i.sn}>
      <td>
        <span className="value">UDI_PID {i.product};</span> <span className="value">UDI_SN {i.sn}</span>
        {i.locked && <strong className="status-badge status-bad"> LOCKED</strong>}
        {terms.ended.length > 0 && <strong className="status-badge status-bad"> TERM ENDED</strong>}
        {i.deviceFinding && (
          <strong className="status-badge status-bad" title={i.deviceWarning ?? undefined}>
            {' '}
            {DEVICE_FINDINGS[i.deviceFinding]}
          </strong>
        )}
        <Notes i={i} terms={terms} />
      </td>
      <td className="col-optional">{i.productType}</td>
      <td>{i.account}</td>
      <td className="col-optional">{formatWhen(i.lastContact)}</td>
      <td>{licenseList(countedNow(i, terms.ended))}</td>
      <td>{licenseList(i.inTransition)}</td>
      <td>
        <MenuButton label="Actions" name={`Actions for ${i.sn}`} items={items} />
        {i.locked && (
          <button type="button" onClick={unlock}>
            Unlock {i.sn}
          </button>
        )}
      </td>
    </tr>
  );
}
