/** License Central's signing keys: which signs new codes, export of the public key, a new key, retiring an old one. */
import { useState } from 'react';
import { formatInstant } from '../../shared/codes/dates.ts';
import { call } from '../bridge.ts';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import type { Ready, Refresh } from './types.ts';

function KeysTable({ keys, busy, retire }: { keys: Ready['keys']; busy: boolean; retire: (id: string) => void }) {
  return (
    <table>
      <caption>Signing keys</caption>
      <thead>
        <tr>
          <th scope="col">Key id</th>
          <th scope="col">Created</th>
          <th scope="col">Retired</th>
          <th scope="col">Signs new codes</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {keys.map((k) => (
          <tr key={k.id}>
            <td>
              <code>{k.id}</code>
            </td>
            <td>{formatInstant(k.createdAt)}</td>
            <td>{k.retiredAt ? formatInstant(k.retiredAt) : '-'}</td>
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

export function KeysPanel({ view, refresh }: { view: Ready; refresh: Refresh }) {
  const act = useAction();
  const [note, setNote] = useState<string | null>(null);
  return (
    <div>
      <p>Devices install only codes signed by a key they trust: export the active key and add it on each device (its Settings tab).</p>
      <KeysTable
        keys={view.keys}
        busy={act.busy}
        retire={(id) =>
          void act.run(async () => {
            await call('authorityKeyRetire', id);
            setNote(`Key ${id} retired.`);
            await refresh();
          })
        }
      />
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={act.busy}
          onClick={() =>
            void act.run(async () => {
              const p = await call('fileSavePublicKey');
              setNote(p ? `Public key saved to ${p}.` : null);
            })
          }
        >
          Export public key…
        </button>
        <button
          type="button"
          disabled={act.busy}
          onClick={() =>
            void act.run(async () => {
              const r = await call('authorityKeyAdd');
              setNote(`Key ${r.keyId} added: it signs new codes from now on.`);
              await refresh();
            })
          }
        >
          Add a new signing key
        </button>
      </div>
      {note && <Notice kind="success">{note}</Notice>}
      <ErrorNotice error={act.error} />
    </div>
  );
}
