/**
 * The Satellites tab's forms: on a parent, add a satellite (its enrolment file to carry) and allocate licenses
 * to one; on a License Central standing alone, enrol it as a parent's satellite.
 */
import { useState } from 'react';
import type { SatelliteLine } from '../../shared/bridge.ts';
import { fingerprintProblem } from '../../shared/fingerprint-text.ts';
import { call } from '../bridge.ts';
import { ErrorNotice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import { SyncFileInput, type Show } from './SyncFiles.tsx';
import type { Ready } from './types.ts';

type Mode = 'disconnected' | 'connected';

function ConnectedFields(p: {
  server: string;
  setServer: (s: string) => void;
  fingerprint: string;
  setFingerprint: (s: string) => void;
  minutes: string;
  setMinutes: (s: string) => void;
}) {
  const problem = fingerprintProblem(p.fingerprint);
  return (
    <>
      <label htmlFor="sat-server">This License Central’s server, as the satellite reaches it</label>
      <input id="sat-server" className="wide" type="url" value={p.server} onChange={(e) => p.setServer(e.target.value)} maxLength={500} />
      <label htmlFor="sat-fingerprint">Its certificate’s fingerprint (SHA-256)</label>
      <input
        id="sat-fingerprint"
        className="wide mono"
        value={p.fingerprint}
        onChange={(e) => p.setFingerprint(e.target.value)}
        maxLength={200}
        aria-describedby="sat-fingerprint-help"
      />
      <p id="sat-fingerprint-help" className={problem ? 'field-error' : 'help'}>
        {problem ?? 'Empty: the certificate of the server run from this data directory. The satellite trusts exactly this certificate.'}
      </p>
      <label htmlFor="sat-minutes">Synchronise every (minutes)</label>
      <input id="sat-minutes" inputMode="numeric" value={p.minutes} onChange={(e) => p.setMinutes(e.target.value)} pattern="[0-9]{1,5}" />
    </>
  );
}

/** On a parent: `slr authority satellite add`, with its enrolment file to carry to the satellite. */
export function AddSatellite({ show }: { show: Show }) {
  const [name, setName] = useState('');
  const [mode, setMode] = useState<Mode>('disconnected');
  const [server, setServer] = useState('https://');
  const [fingerprint, setFingerprint] = useState('');
  const [minutes, setMinutes] = useState('60');
  const [replace, setReplace] = useState(false);
  const act = useAction();
  const submit = () =>
    act.run(async () => {
      const connected =
        mode === 'connected'
          ? { server: server.trim(), intervalMinutes: Number(minutes), ...(fingerprint.trim() ? { fingerprint: fingerprint.trim() } : {}) }
          : {};
      const made = await call('authoritySatelliteAdd', { name: name.trim(), mode, replace, ...connected });
      await show({
        kind: 'success',
        title: `Satellite “${made.satellite}” ${replace ? 'invited to enrol again' : 'added'} (${made.mode}).`,
        text: made.next,
        file: {
          title: `Enrolment file of “${made.satellite}”`,
          caption: 'Keep it like a password until the satellite has enrolled: it can be used once.',
          file: made.file,
        },
      });
      setName('');
    });
  return (
    <form className="card" aria-labelledby="sat-add-title" onSubmit={(e) => (e.preventDefault(), void submit())}>
      <h3 id="sat-add-title">Add a satellite</h3>
      <label htmlFor="sat-name">Name</label>
      <input id="sat-name" className="wide" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
      <fieldset>
        <legend>Synchronisation</legend>
        <label className="choice">
          <input type="radio" name="sat-mode" checked={mode === 'disconnected'} onChange={() => setMode('disconnected')} /> Disconnected: files carried by hand
        </label>
        <label className="choice">
          <input type="radio" name="sat-mode" checked={mode === 'connected'} onChange={() => setMode('connected')} /> Connected: by itself over HTTPS
        </label>
      </fieldset>
      {mode === 'connected' && <ConnectedFields {...{ server, setServer, fingerprint, setFingerprint, minutes, setMinutes }} />}
      <label className="choice">
        <input type="checkbox" checked={replace} onChange={(e) => setReplace(e.target.checked)} /> It was added before: invite it to enrol again (restored or
        rebuilt; its allocations stay)
      </label>
      <div className="actions">
        <button type="submit" className="primary" disabled={act.busy || !name.trim() || (mode === 'connected' && fingerprintProblem(fingerprint) !== null)}>
          Add Satellite
        </button>
      </div>
      <ErrorNotice error={act.error} />
    </form>
  );
}

/** On a parent: what a satellite holds of a license in a virtual account (N in all). */
export function Allocate({ view, satellites, show }: { view: Ready; satellites: readonly SatelliteLine[]; show: Show }) {
  const [satellite, setSatellite] = useState(satellites[0]?.name ?? '');
  const [account, setAccount] = useState(view.licenses[0]?.account ?? view.accounts[0] ?? '');
  const tags = [...new Set(view.licenses.filter((l) => l.account === account).map((l) => l.short))];
  const [tag, setTag] = useState('');
  const [count, setCount] = useState('');
  const act = useAction();
  const chosen = tags.includes(tag) ? tag : (tags[0] ?? '');
  const submit = () =>
    act.run(async () => {
      const { lines } = await call('authoritySatelliteAllocate', { satellite, account, licenses: { [chosen]: Number(count) } });
      await show({ kind: 'success', title: `Satellite “${satellite}”: ${lines.join('; ')}.`, text: 'It learns of this at its next synchronisation.' });
    });
  return (
    <form className="card" aria-labelledby="sat-alloc-title" onSubmit={(e) => (e.preventDefault(), void submit())}>
      <h3 id="sat-alloc-title">Allocate licenses to a satellite</h3>
      <p className="help">N in all: more is blocked here at once; less comes back once the satellite has let it go, at a later synchronisation.</p>
      <label htmlFor="sat-alloc-name">Satellite</label>
      <select id="sat-alloc-name" value={satellite} onChange={(e) => setSatellite(e.target.value)}>
        {satellites.map((s) => (
          <option key={s.name}>{s.name}</option>
        ))}
      </select>
      <label htmlFor="sat-alloc-account">Virtual Account</label>
      <select id="sat-alloc-account" value={account} onChange={(e) => setAccount(e.target.value)}>
        {view.accounts.map((a) => (
          <option key={a}>{a}</option>
        ))}
      </select>
      <label htmlFor="sat-alloc-tag">License</label>
      <select
        id="sat-alloc-tag"
        value={chosen}
        onChange={(e) => setTag(e.target.value)}
        disabled={tags.length === 0}
        aria-describedby={tags.length === 0 ? 'sat-alloc-tag-help' : undefined}
      >
        {tags.map((t) => (
          <option key={t}>{t}</option>
        ))}
      </select>
      {tags.length === 0 && (
        <p id="sat-alloc-tag-help" className="help">
          “{account}” holds no licenses: choose another virtual account.
        </p>
      )}
      <label htmlFor="sat-alloc-count">Count in all</label>
      <input id="sat-alloc-count" inputMode="numeric" value={count} onChange={(e) => setCount(e.target.value)} required pattern="[0-9]{1,7}" />
      <div className="actions">
        <button type="submit" className="primary" disabled={act.busy || !satellite || !chosen || !/^[0-9]{1,7}$/.test(count)}>
          Allocate
        </button>
      </div>
      <ErrorNotice error={act.error} />
    </form>
  );
}

const isEnrolment = (kind: string | null) => kind === 'enrolment';

/** On a License Central standing alone (holding no licenses yet): `slr authority satellite enrol`. */
export function Enrol({ show }: { show: Show }) {
  return (
    <section className="card" aria-labelledby="sat-enrol-title">
      <h3 id="sat-enrol-title">Enrol as a satellite of another License Central</h3>
      <p className="help">For a new License Central holding no licenses yet: its parent added it and gave you its enrolment file.</p>
      <SyncFileInput
        label="The enrolment file from the parent"
        action="Enrol"
        takesDropped={isEnrolment}
        take={async (text) => {
          const done = await call('authoritySatelliteEnrol', text);
          await show({
            kind: done.round && !done.round.ok ? 'warning' : 'success',
            title: `Enrolled as satellite “${done.satellite}” of “${done.parent}” (${done.mode}).`,
            text: done.round
              ? done.round.message
              : 'Carry the reply to the parent: it imports it in its Satellites tab and gives you its answer to import here.',
            file: {
              title: 'Enrolment reply for the parent',
              caption: done.mode === 'connected' ? 'Sent to the parent; a spare to carry if the network is down.' : 'Carry it to the parent.',
              file: done.reply,
            },
          });
        }}
      />
    </section>
  );
}
