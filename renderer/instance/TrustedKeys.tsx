import { HeaderRow } from '../components/HeaderRow.tsx';
import { useEffect, useRef, useState } from 'react';
import type { InstanceView } from '../../shared/bridge.ts';
import { call } from '../bridge.ts';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import { ConfirmStep } from '../components/Confirm.tsx';
import { formatWhen } from '../components/format.ts';
import { Checkpoints } from './Checkpoints.tsx';

type Existing = Extract<InstanceView, { exists: true }>;

function KeyTable({ keys, busy, remove }: { keys: Existing['trustedKeys']; busy: boolean; remove: (id: string) => void }) {
  return (
    <table>
      <caption className="visually-hidden">Trusted keys</caption>
      <HeaderRow names={['Key id', 'From file', 'Added']} actions />
      <tbody>
        {keys.length === 0 && (
          <tr>
            <td colSpan={4}>No key is trusted yet.</td>
          </tr>
        )}
        {keys.map((k) => (
          <tr key={k.id}>
            <td>
              <code>{k.id}</code>
            </td>
            <td>{k.label}</td>
            <td>{formatWhen(k.addedAt)}</td>
            <td>
              <button type="button" disabled={busy} onClick={() => remove(k.id)}>
                Remove key {k.id}
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Removing a trusted key, asked first. */
function RemoveAsk({ id, busy, keep, remove }: { id: string; busy: boolean; keep: () => void; remove: () => void }) {
  return (
    <ConfirmStep title={`Stop trusting key ${id}?`} verb="Remove the key" keep="Keep the key" busy={busy} onKeep={keep} onConfirm={remove}>
      <p>Authorization codes signed by it will no longer install on this device. To trust it again, its key file must be added again.</p>
    </ConfirmStep>
  );
}

/** The License Central keys this device trusts; "Add License Central key…" takes the focus when asked to. */
export function TrustedKeys({
  view,
  refresh,
  focusAdd,
  onFocused,
}: {
  view: Existing;
  refresh: () => Promise<unknown>;
  focusAdd: boolean;
  onFocused: () => void;
}) {
  const addKey = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!focusAdd) return;
    addKey.current?.focus();
    onFocused();
  }, [focusAdd, onFocused]);
  const act = useAction();
  const [message, setMessage] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const remove = (id: string) =>
    void act.run(async () => {
      setRemoving(null);
      setMessage((await call('instanceTrustRemove', id)).message);
      await refresh();
    });
  return (
    <>
      <h3>Trusted License Central keys</h3>
      <p>Authorization codes are installed only when signed by one of these keys.</p>
      <KeyTable keys={view.trustedKeys} busy={act.busy} remove={(id) => (setRemoving(id), setMessage(null))} />
      {removing && <RemoveAsk id={removing} busy={act.busy} keep={() => setRemoving(null)} remove={() => remove(removing)} />}
      <div className="actions">
        <button
          ref={addKey}
          type="button"
          className="primary"
          disabled={act.busy}
          onClick={() =>
            void act.run(async () => {
              const r = await call('instanceTrustFromFile');
              if (r) setMessage(r.message);
              await refresh();
            })
          }
        >
          Add License Central key…
        </button>
      </div>
      {message && <Notice kind="success">{message}</Notice>}
      <ErrorNotice error={act.error} />
      <Checkpoints view={view} refresh={refresh} />
    </>
  );
}
