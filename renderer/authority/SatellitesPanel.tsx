/**
 * The License Central workspace's Satellites tab (issue 28): on a parent, its satellites (mode, last
 * synchronisation, what each is allocated and holds, what is pending), adding one, allocating to one, and
 * importing a satellite's files with the answer to carry back; on a satellite, its parent and last round, its
 * sync file to write (disconnected) or a round now (connected), and the parent's answers to import. Its own
 * ledger only: a satellite is a License Central of its own.
 */
import { useCallback, useEffect, useState } from 'react';
import type { ParentLine, SatelliteLine, SatellitesView } from '../../shared/bridge.ts';
import { findAnyEntitlement } from '../../shared/catalog.ts';
import { call } from '../bridge.ts';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import { formatWhen } from '../components/format.ts';
import { AddSatellite, Allocate, Enrol } from './SatelliteForms.tsx';
import { HandedOver, SyncFileInput, type Handed, type Show } from './SyncFiles.tsx';
import type { Ready, Refresh } from './types.ts';

const short = (tag: string) => findAnyEntitlement(tag)?.def.short ?? tag;
const when = (t: number | null) => (t === null ? 'never' : formatWhen(t));
/** Lots as a line: "UCM_Basic 4 in “Lab”, …", the count as `n` writes it. */
function lots<T extends { readonly account: string; readonly tag: string }>(xs: readonly T[], n: (x: T) => string): string {
  return xs.map((x) => `${short(x.tag)} ${n(x)} in “${x.account}”`).join(', ');
}

/** Where a dropped file goes: an enrolment file to Enrol (SatelliteForms.tsx), anything else to Import. */
const notEnrolment = (kind: string | null) => kind !== 'enrolment';
const anyFile = () => true;

export function SatellitesPanel({ view, refresh }: { view: Ready; refresh: Refresh }) {
  const [sats, setSats] = useState<SatellitesView | null>(null);
  // Numbered, so that each new file gets a box of its own (no "Saved to …" left from the one before).
  const [handed, setHanded] = useState<{ n: number; h: Handed } | null>(null);
  const act = useAction(true);
  const load = useCallback(async () => setSats(await call('authoritySatellites')), []);
  useEffect(() => {
    if (!view.connection) void act.run(load);
  }, [act.run, load, view.connection]);
  const show: Show = useCallback(
    async (h) => {
      setHanded((before) => ({ n: (before?.n ?? 0) + 1, h }));
      await load();
      await refresh();
    },
    [load, refresh],
  );
  if (view.connection)
    return (
      <Notice kind="info" title="Satellites are set up on a License Central’s own ledger">
        This workspace works on the server {view.connection.server}. On the computer that runs it: slr authority satellite … and slr authority sync … (README:
        Satellites).
      </Notice>
    );
  return (
    <div data-testid="satellites">
      {handed && <HandedOver key={handed.n} handed={handed.h} />}
      <ErrorNotice error={act.error} />
      {sats?.role === 'satellite' && <SatelliteSide parent={sats.parent} show={show} />}
      {sats?.role === 'parent' && <ParentSide view={view} satellites={sats.satellites} show={show} />}
    </div>
  );
}

function ParentSide({ view, satellites, show }: { view: Ready; satellites: readonly SatelliteLine[]; show: Show }) {
  return (
    <>
      {satellites.length === 0 ? (
        <p>This License Central stands alone: no satellites. Add one below, or enrol this one as another License Central’s satellite.</p>
      ) : (
        <SatelliteTable satellites={satellites} />
      )}
      <section className="card" aria-labelledby="sat-import-title">
        <h3 id="sat-import-title">Import a satellite’s file</h3>
        <SyncFileInput
          label="A satellite’s enrolment reply or sync file"
          action="Import"
          takesDropped={notEnrolment}
          take={async (text) => {
            const r = await call('authoritySyncImport', text);
            const answer = r.answer && {
              title: 'Answer for the satellite',
              caption: 'Carry it back to the satellite: it imports it in its Satellites tab.',
              file: r.answer,
            };
            await show({ kind: 'success', title: 'Imported.', text: r.summary, ...(answer ? { file: answer } : {}) });
          }}
        />
      </section>
      <AddSatellite show={show} />
      {satellites.length > 0 && <Allocate view={view} satellites={satellites} show={show} />}
      {satellites.length === 0 && <Enrol show={show} />}
    </>
  );
}

function SatelliteTable({ satellites }: { satellites: readonly SatelliteLine[] }) {
  return (
    <table>
      <caption>Satellites</caption>
      <thead>
        <tr>
          {['Satellite', 'Mode', 'Last synchronised', 'Files', 'Allocated', 'Holds (as reported)'].map((h) => (
            <th key={h} scope="col">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {satellites.map((s) => {
          const pending = s.allocations.reduce((n, a) => n + a.blocked - a.target, 0);
          return (
            <tr key={s.name} data-testid={`satellite-${s.name}`}>
              <th scope="row">
                {s.name}
                {s.problem && <p className="field-error">PROBLEM: {s.problem}</p>}
              </th>
              <td>
                {s.mode}, {s.state}
              </td>
              <td>{when(s.lastSyncAt)}</td>
              <td>
                {s.filesApplied} applied here; answers {s.answersApplied} of {s.answersWritten} applied there
              </td>
              <td>
                {lots(s.allocations, (a) => String(a.target)) || 'nothing'}
                {pending > 0 && ` (${pending} to come back once it has let them go)`}
              </td>
              <td>{lots(s.holdings, (h) => `${h.blocked} of ${h.count} reserved`) || 'nothing reported yet'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function SatelliteSide({ parent, show }: { parent: ParentLine; show: Show }) {
  const act = useAction();
  return (
    <>
      <section className="card" aria-labelledby="sat-parent-title" data-testid="satellite-parent">
        <h3 id="sat-parent-title">
          Satellite “{parent.name}” of “{parent.smartAccount}” ({parent.mode})
        </h3>
        <p>
          Enrolled {formatWhen(parent.enrolledAt)}. Last answer applied: {parent.downSeq} ({when(parent.lastSyncAt)}); files written: {parent.upSeq}, the parent
          has applied up to {parent.upApplied}.
        </p>
        <p>Allocated: {lots(parent.targets, (t) => String(t.target)) || 'nothing yet'}.</p>
        {parent.mode === 'connected' && <ConnectedState parent={parent} />}
        <div className="actions">
          {parent.mode === 'connected' ? (
            <button type="button" className="primary" disabled={act.busy} onClick={() => void act.run(async () => show(await syncNow()))}>
              Synchronise now
            </button>
          ) : (
            <button type="button" className="primary" disabled={act.busy} onClick={() => void act.run(async () => show(await exportFile()))}>
              Write sync file
            </button>
          )}
        </div>
        <ErrorNotice error={act.error} />
      </section>
      <section className="card" aria-labelledby="sat-answer-title">
        <h3 id="sat-answer-title">Import the parent’s answer</h3>
        <SyncFileInput
          label="The parent’s answer"
          action="Import"
          takesDropped={anyFile}
          take={async (text) => show({ kind: 'success', title: 'Imported.', text: (await call('authoritySyncImport', text)).summary })}
        />
      </section>
    </>
  );
}

function ConnectedState({ parent }: { parent: ParentLine }) {
  return (
    <>
      <p>
        Parent’s server: {parent.url} (pinned <span className="mono">{parent.fingerprint}</span>); every {parent.intervalMinutes} minutes, next round{' '}
        {parent.retryAt === null ? 'at once' : `from ${formatWhen(parent.retryAt)}`}
        {parent.replyPending ? '; the enrolment reply is not yet taken by the parent' : ''}.
      </p>
      {parent.lastError && (
        <Notice kind="warning" title={`LAST ROUND FAILED (${parent.failures} in a row)`}>
          {parent.lastError} Devices are served from what this satellite holds.
        </Notice>
      )}
    </>
  );
}

async function syncNow(): Promise<Handed> {
  const r = await call('authoritySyncNow');
  return { kind: 'success', title: 'Synchronised with the parent.', text: r.message };
}

async function exportFile(): Promise<Handed> {
  const r = await call('authoritySyncExport');
  return {
    kind: 'success',
    title: `Sync file ${r.seq} written (${r.events} events).`,
    text: 'Carry it to the parent: it imports it in its Satellites tab and gives you its answer to import here.',
    file: { title: `Sync file ${r.seq} for the parent`, caption: 'Carry it to the parent.', file: r.file },
  };
}
