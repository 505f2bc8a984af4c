/** License Central's signing keys: which signs new codes, export of the public key, a new key, retiring an old one. */
import { HeaderRow } from '../components/HeaderRow.tsx';
import { useState } from 'react';
import { call } from '../bridge.ts';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { ConfirmButton, ConfirmStep } from '../components/Confirm.tsx';
import { PassphraseFields } from '../components/PassphraseFields.tsx';
import { useAction } from '../components/useAction.ts';
import type { Ready, Refresh } from './types.ts';
import { formatCount, formatWhen } from '../components/format.ts';

function KeysTable({ keys, busy, retire }: { keys: Ready['keys']; busy: boolean; retire: (id: string) => void }) {
  return (
    <table>
      <caption>Signing keys</caption>
      <HeaderRow names={['Key id', 'Created', 'Retired', 'Signs new codes']} actions />
      <tbody>
        {keys.map((k) => (
          <tr key={k.id}>
            <td>
              <code>{k.id}</code>
            </td>
            <td>{formatWhen(k.createdAt)}</td>
            <td>{k.retiredAt ? formatWhen(k.retiredAt) : '-'}</td>
            <td>{k.active ? 'Yes' : 'No'}</td>
            <td>
              {!k.retiredAt && !k.active && (
                <button type="button" disabled={busy} onClick={() => retire(k.id)}>
                  Retire {k.id}
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** What adding a key means for the devices: said before, and the file to carry offered right after. */
function AddKey({ view, act, added }: { view: Ready; act: ReturnType<typeof useAction>; added: (id: string) => Promise<void> }) {
  const n = view.instanceCount;
  return (
    <ConfirmButton
      label="Add a new signing key…"
      title="Add a new signing key?"
      verb="Add the key"
      keep="Keep the current key"
      busy={act.busy}
      onConfirm={() => void act.run(async () => added((await call('authorityKeyAdd')).keyId))}
    >
      <p>
        The new key signs every code from now on. A device installs a code signed with it only once it has imported the new key file (the current key endorses
        it, so devices accept the file).{' '}
        {n === 0
          ? 'No product instance holds a reservation here yet: give the new key file to every device set up from now on.'
          : `${n === 1 ? 'One product instance holds' : `${formatCount(n)} product instances hold`} reservations here: export the file right after, and carry it to every device before its next code.`}
      </p>
    </ConfirmButton>
  );
}

/** After a key was added: the file every device needs, one click away. */
function Rotated({
  id,
  busy,
  exportKey,
  devices,
  showDevices,
}: {
  id: string;
  busy: boolean;
  exportKey: () => void;
  devices: number;
  showDevices?: () => void;
}) {
  return (
    <Notice kind="warning" title={`Key ${id} signs new codes: carry its key file to every device`}>
      <p>
        Until a device imports it (Settings, “Add License Central key…”), it refuses the codes this key signs.{' '}
        {devices > 0 ? `The devices to tell: the ${formatCount(devices)} product instance${devices === 1 ? '' : 's'} with reservations here.` : ''}
      </p>
      <div className="actions">
        <button type="button" className="primary" disabled={busy} onClick={exportKey}>
          Export the new key file…
        </button>
        {devices > 0 && showDevices && (
          <button type="button" onClick={showDevices}>
            List them (Product Instances)
          </button>
        )}
      </div>
    </Notice>
  );
}

export function KeysPanel({ view, refresh, showDevices }: { view: Ready; refresh: Refresh; showDevices?: () => void }) {
  const act = useAction();
  const [note, setNote] = useState<string | null>(null);
  const [retiring, setRetiring] = useState<string | null>(null);
  const [rotated, setRotated] = useState<string | null>(null);
  const exportKey = () =>
    void act.run(async () => {
      const p = await call('fileSavePublicKey');
      setNote(p ? `Public key saved to ${p}.` : null);
      if (p) await refresh(); // the export is in the log now (and the checklist's step done)
    });
  return (
    <div>
      <p>Devices install only codes signed by a key they trust: export the active key and add it on each device (its Settings tab).</p>
      <KeysTable keys={view.keys} busy={act.busy} retire={(id) => (setRetiring(id), setNote(null))} />
      {retiring && (
        <ConfirmStep
          title={`Retire signing key ${retiring}?`}
          verb="Retire the key"
          keep="Keep the key"
          busy={act.busy}
          onKeep={() => setRetiring(null)}
          onConfirm={() =>
            void act.run(async () => {
              await call('authorityKeyRetire', retiring);
              setRetiring(null);
              setNote(`Key ${retiring} retired.`);
              await refresh();
            })
          }
        >
          <p>
            It signs no new code. It still checks the confirmation and return codes of the codes it signed, so devices that run them keep working. A retired key
            cannot be made active again.
          </p>
        </ConfirmStep>
      )}
      {rotated && <Rotated id={rotated} busy={act.busy} exportKey={exportKey} devices={view.instanceCount} showDevices={showDevices} />}
      <div className="actions">
        <button type="button" className={rotated ? undefined : 'primary'} disabled={act.busy} onClick={exportKey}>
          Export public key…
        </button>
        <AddKey
          view={view}
          act={act}
          added={async (id) => {
            setNote(null);
            setRotated(id);
            await refresh();
          }}
        />
      </div>
      {view.keyProtection === 'plaintext' && !view.connection && <ProtectKeys refresh={refresh} />}
      {note && <Notice kind="success">{note}</Notice>}
      <ErrorNotice error={act.error} />
    </div>
  );
}

/** Unencrypted signing keys, encrypted under a new passphrase (then kept in memory for this run). */
function ProtectKeys({ refresh }: { refresh: Refresh }) {
  const [open, setOpen] = useState(false);
  const [passphrase, setPassphrase] = useState<string | null>(null);
  const act = useAction();
  if (!open)
    return (
      <Notice kind="warning" title="The signing keys are not encrypted">
        Whoever can read this data directory can sign codes that devices accept.{' '}
        <button type="button" onClick={() => setOpen(true)}>
          Encrypt the keys…
        </button>
      </Notice>
    );
  return (
    <form
      className="card stacked-form"
      aria-labelledby="protect-title"
      onSubmit={(e) => {
        e.preventDefault();
        void act.run(async () => {
          await call('authorityProtectKeys', passphrase!);
          await refresh();
        });
      }}
    >
      <h3 id="protect-title">Encrypt the signing keys with a passphrase</h3>
      <PassphraseFields onChange={setPassphrase} />
      <div className="actions">
        <button type="submit" className="primary" disabled={act.busy || passphrase === null}>
          Encrypt the keys
        </button>
        <button type="button" disabled={act.busy} onClick={() => setOpen(false)}>
          Not now
        </button>
      </div>
      <ErrorNotice error={act.error} />
    </form>
  );
}
