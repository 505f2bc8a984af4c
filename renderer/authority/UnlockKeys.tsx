import { useState } from 'react';
import { call } from '../bridge.ts';
import { ErrorNotice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';

/**
 * Passphrase-protected signing keys (made with `--passphrase-file` on the command line): asked for once per
 * run of the app. The main process checks it against the ledger and keeps it in memory only.
 */
export function UnlockKeys({ refresh }: { refresh: () => Promise<unknown> }) {
  const [passphrase, setPassphrase] = useState('');
  const act = useAction();
  return (
    // A region, not an alert: the error under the form is the alert (never one inside another).
    <section className="notice notice-warning" aria-labelledby="unlock-title">
      <strong id="unlock-title">The signing keys are locked: they are encrypted with a passphrase.</strong>
      <p>Reservations, updates and rehosts need them. The passphrase is kept in memory until the app closes, never written.</p>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void act.run(async () => {
            await call('authorityUnlockKeys', passphrase);
            setPassphrase('');
            await refresh();
          });
        }}
      >
        <label htmlFor="unlock-passphrase">Passphrase</label>
        <input id="unlock-passphrase" type="password" autoComplete="off" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />
        <button type="submit" className="primary" disabled={act.busy || !passphrase}>
          Unlock signing keys
        </button>
      </form>
      {/* The CLI's hint speaks of a passphrase file; here it was typed. */}
      <ErrorNotice error={act.error && { ...act.error, hint: 'Type it again: it is case-sensitive, and spaces count.' }} />
    </section>
  );
}
