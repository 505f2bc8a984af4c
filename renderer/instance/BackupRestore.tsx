/**
 * Settings: a backup of the device's state saved where the operator chooses, and a backup restored over a
 * sound state after the operator has read what that costs. A backup never carries the reservation (README,
 * "Backups"): restoring one cannot bring back licenses License Central has since released.
 */
import { useState } from 'react';
import type { RestoreDone } from '../../shared/bridge-device-state.ts';
import { call } from '../bridge.ts';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import { RestoredText } from './StateRecovery.tsx';
import { ConfirmStep } from '../components/Confirm.tsx';

export function BackupRestore({ reserved, refresh }: { reserved: boolean; refresh: () => Promise<unknown> }) {
  const act = useAction();
  const [saved, setSaved] = useState<string | null>(null);
  const [asking, setAsking] = useState(false);
  const [restored, setRestored] = useState<RestoreDone | null>(null);
  const backup = () =>
    void act.run(async () => {
      setRestored(null);
      const r = await call('instanceBackup');
      if (r) setSaved(r.file);
      await refresh();
    });
  const restore = () =>
    void act.run(async () => {
      const r = await call('instanceRestore', { replace: true });
      if (!r) return;
      setAsking(false);
      setSaved(null);
      setRestored(r);
      await refresh();
    });
  return (
    <section aria-labelledby="backup-title">
      <h3 id="backup-title">Backup and restore</h3>
      <p>
        A backup holds this device’s identity, key, trusted keys, usage and event log, but no reservation and no online registration: restored, the device asks
        License Central for its licenses again.
      </p>
      <div className="actions">
        <button type="button" disabled={act.busy} onClick={backup}>
          Save a backup…
        </button>
        <button type="button" disabled={act.busy || asking} onClick={() => (setAsking(true), setSaved(null), setRestored(null))}>
          Restore a backup…
        </button>
      </div>
      {asking && <RestoreAsk reserved={reserved} busy={act.busy} restore={restore} keep={() => setAsking(false)} />}
      {saved && (
        <Notice kind="success" title={`Backup saved as ${saved}`}>
          Keep it off this device. The backup is logged in the event log.
        </Notice>
      )}
      {restored && <RestoredText r={restored} />}
      <ErrorNotice error={act.error} />
    </section>
  );
}

/** What replacing a sound state costs, said before the file is even chosen. */
function RestoreAsk({ reserved, busy, restore, keep }: { reserved: boolean; busy: boolean; restore: () => void; keep: () => void }) {
  return (
    <ConfirmStep
      title="Replace this product instance’s state with a backup?"
      verb="Choose a backup and replace the state…"
      keep="Keep the current state"
      busy={busy}
      onConfirm={restore}
      onKeep={keep}
    >
      <p>
        The current state is set aside beside it (not deleted), and the device comes back without a reservation
        {reserved ? ': the licenses installed now can no longer be used on it until License Central moves them to a new request of this device.' : '.'}
      </p>
    </ConfirmStep>
  );
}
