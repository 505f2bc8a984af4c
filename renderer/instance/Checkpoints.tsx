/**
 * The checkpoints of License Central's log this device keeps (shared/instance/witness.ts): what it has seen,
 * and the one explicit way to accept a License Central that went back to an older ledger, asked first.
 */
import { useState } from 'react';
import type { InstanceView } from '../../shared/bridge.ts';
import { call } from '../bridge.ts';
import { HeaderRow } from '../components/HeaderRow.tsx';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import { ConfirmStep } from '../components/Confirm.tsx';
import { formatCount, formatWhen } from '../components/format.ts';

type Existing = Extract<InstanceView, { exists: true }>;

function CheckpointTable({ checkpoints }: { checkpoints: Existing['checkpoints'] }) {
  return (
    <table>
      <caption className="visually-hidden">License Central checkpoints</caption>
      <HeaderRow names={['Signing key', 'Events in its log', 'Last event', 'First seen']} />
      <tbody>
        {checkpoints.length === 0 && (
          <tr>
            <td colSpan={4}>No checkpoint seen yet.</td>
          </tr>
        )}
        {checkpoints.map((w) => (
          <tr key={w.keyId}>
            <td>
              <code>{w.keyId}</code>
            </td>
            <td>{formatCount(w.events)}</td>
            <td>
              <code title={w.head}>{w.head.slice(0, 12)}…</code>
            </td>
            <td>{formatWhen(w.at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Checkpoints({ view, refresh }: { view: Existing; refresh: () => Promise<unknown> }) {
  const act = useAction();
  const [asking, setAsking] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const forget = () =>
    void act.run(async () => {
      setAsking(false);
      setMessage((await call('instanceCommand', { type: 'checkpoint-forget' })).message);
      await refresh();
    });
  return (
    <>
      <h3>License Central checkpoints</h3>
      <p>
        Every authorization code carries a checkpoint of License Central&apos;s log. This device refuses codes of a License Central that went back to an older
        ledger (restored from an older backup, or a copy), which could count its licenses twice.
      </p>
      <CheckpointTable checkpoints={view.checkpoints} />
      {asking && (
        <ConfirmStep
          title="Forget License Central's checkpoints?"
          verb="Forget the checkpoints"
          keep="Keep them"
          busy={act.busy}
          onKeep={() => setAsking(false)}
          onConfirm={forget}
        >
          <p>
            Only when License Central&apos;s administrator says the older ledger is the one to keep: the next authorization code is then accepted with the
            checkpoint it carries, even from a License Central that no longer records the code this device holds. The change is logged.
          </p>
        </ConfirmStep>
      )}
      {view.checkpoints.length > 0 && !asking && (
        <div className="actions">
          <button type="button" disabled={act.busy} onClick={() => (setAsking(true), setMessage(null))}>
            Forget checkpoints…
          </button>
        </div>
      )}
      {message && <Notice kind="success">{message}</Notice>}
      <ErrorNotice error={act.error} />
    </>
  );
}
