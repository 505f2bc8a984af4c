/**
 * The device's state cannot be used as it is (changed outside SLR Desk, or damaged): what happened, and the
 * two ways back, each saying what it keeps and what it costs. Restore a backup (no reservation: License
 * Central is asked again), or recover this state (identity, key, usage and log kept; trust provisioned again
 * from License Central key files; evaluation over; the online registration dropped).
 */
import { useState } from 'react';
import type { RecoveryDone, RestoreDone } from '../../shared/bridge-device-state.ts';
import { call } from '../bridge.ts';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import { formatWhen } from '../components/format.ts';

interface KeyFile {
  readonly label: string;
  readonly text: string;
}

export function StateRecovery({ error, onDone }: { error: { code?: string; message: string }; onDone: () => Promise<unknown> }) {
  const [done, setDone] = useState<{ restored?: RestoreDone; recovered?: RecoveryDone } | null>(null);
  if (done)
    return (
      <section className="card" aria-labelledby="recovered-title">
        <h2 id="recovered-title">{done.restored ? 'Backup restored' : 'State recovered'}</h2>
        {done.restored && <RestoredText r={done.restored} />}
        {done.recovered && <RecoveredText r={done.recovered} />}
        <button type="button" className="primary" onClick={() => void onDone()}>
          Open the product instance
        </button>
      </section>
    );
  const tampered = error.code === 'state-tampered';
  return (
    <section className="card" aria-labelledby="unusable-title">
      <h2 id="unusable-title">{tampered ? 'The state was changed outside SLR Desk' : 'The state file is damaged'}</h2>
      <Notice kind="error" title="SLR Desk will not run this product instance on it">
        <p>{error.message}</p>
      </Notice>
      <p>
        {tampered
          ? 'Someone or something edited the file that holds this device’s licenses, trusted keys and clocks. Nothing was lost: choose how to go on.'
          : 'The file that holds this device’s licenses cannot be read. Choose how to go on.'}
      </p>
      <RestoreChoice onRestored={(restored) => setDone({ restored })} />
      {tampered && <RecoverChoice onRecovered={(recovered) => setDone({ recovered })} />}
    </section>
  );
}

function RestoreChoice({ onRestored }: { onRestored: (r: RestoreDone) => void }) {
  const act = useAction();
  return (
    <section aria-labelledby="restore-title">
      <h3 id="restore-title">Restore a backup</h3>
      <p>
        The state comes back as it was at the backup, without a reservation: the device then makes a new request, and License Central moves what it holds for
        this device to it. The state it replaces is set aside beside it, not deleted.
      </p>
      <button
        type="button"
        disabled={act.busy}
        onClick={() => void act.run(async () => call('instanceRestore', { replace: false }).then((r) => r && onRestored(r)))}
      >
        Choose a backup to restore…
      </button>
      <ErrorNotice error={act.error} />
    </section>
  );
}

function RecoverChoice({ onRecovered }: { onRecovered: (r: RecoveryDone) => void }) {
  const act = useAction();
  const [keys, setKeys] = useState<KeyFile[]>([]);
  const addKey = () =>
    void act.run(async () => {
      const f = await call('fileOpenKey');
      if (f && !keys.some((k) => k.text === f.text)) setKeys([...keys, { label: f.name, text: f.text }]);
    });
  return (
    <section aria-labelledby="recover-title">
      <h3 id="recover-title">Recover this state</h3>
      <p>
        Kept: the UDI, the device key, usage and the event log. Lost: the keys it trusted (trust the License Central keys again below), what is left of
        evaluation, and an online registration (register again). The installed reservation is kept only if its code verifies with those keys.
      </p>
      <ul aria-label="License Central keys to trust">
        {keys.map((k) => (
          <li key={k.text}>
            {k.label}{' '}
            <button type="button" className="link" onClick={() => setKeys(keys.filter((x) => x !== k))}>
              Remove {k.label}
            </button>
          </li>
        ))}
        {keys.length === 0 && <li>No key file chosen: keys built into this app, if any, are trusted.</li>}
      </ul>
      <div className="actions">
        <button type="button" disabled={act.busy} onClick={addKey}>
          Add a License Central key file…
        </button>
        <button
          type="button"
          className="primary"
          disabled={act.busy}
          onClick={() => void act.run(async () => onRecovered(await call('instanceRecover', keys)))}
        >
          Recover this state
        </button>
      </div>
      <ErrorNotice error={act.error} />
    </section>
  );
}

export function RestoredText({ r }: { r: RestoreDone }) {
  return (
    <Notice kind="success" title={`Restored from ${r.file}, the backup made ${formatWhen(r.madeAt)}`}>
      <p>
        The device has no reservation now: make a new request (Reservation tab) and take it to License Central, which moves what it holds for this device to the
        new request.
      </p>
      {r.setAside && <p>The state it replaced was set aside as {r.setAside}, beside it.</p>}
    </Notice>
  );
}

function RecoveredText({ r }: { r: RecoveryDone }) {
  return (
    <Notice kind="success" title="Recovered">
      <p>What was wrong: {r.problem}.</p>
      <p>
        {r.trustedKeys.length ? `Trusted License Central keys: ${r.trustedKeys.join(', ')}.` : 'No License Central key is trusted yet: add one in Settings.'}
      </p>
      <p>
        {r.reservationKept
          ? 'The installed reservation was kept: its code verifies with the keys trusted again.'
          : 'No reservation is installed now: License Central still holds what it reserved for this device. Make a new request and have it moved there.'}
      </p>
    </Notice>
  );
}
