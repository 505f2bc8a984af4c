/**
 * Creating License Central (issue 25, item 14): its smart account's name and, offered from the start, a
 * passphrase that encrypts the signing keys from their first write; or connecting to a License Central server.
 */
import { useState } from 'react';
import type { Refresh } from './types.ts';
import { call } from '../bridge.ts';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { PassphraseFields } from '../components/PassphraseFields.tsx';
import { useAction } from '../components/useAction.ts';
import { ConnectServer } from './ServerConnection.tsx';

export function CreateAuthority({ dir, refresh }: { dir: string; refresh: Refresh }) {
  const [name, setName] = useState('');
  const [protect, setProtect] = useState(true);
  const [passphrase, setPassphrase] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const ready = name.trim() !== '' && (!protect || passphrase !== null);
  return (
    <div className="workspace">
      <section className="card" aria-labelledby="init-title">
        <h2 id="init-title">Set up License Central</h2>
        <p>
          Creates the smart account, its virtual account “Default” and the signing key, in <code>{dir}</code>.
        </p>
        <form
          className="stacked-form"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              await call('authorityInit', name, ...(protect && passphrase ? [passphrase] : []));
              await refresh();
            });
          }}
        >
          <label htmlFor="init-name">Smart account name</label>
          <input id="init-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
          <fieldset>
            <legend>Signing keys</legend>
            <label className="choice">
              <input type="checkbox" checked={protect} onChange={(e) => setProtect(e.target.checked)} /> Encrypt them with a passphrase
            </label>
            {protect ? (
              <PassphraseFields onChange={setPassphrase} />
            ) : (
              <Notice kind="warning" title="Without a passphrase">
                Whoever can read this data directory (or a copy of it) can sign codes that devices accept. You can add a passphrase later (Signing Keys tab).
              </Notice>
            )}
          </fieldset>
          <div className="actions">
            <button type="submit" className="primary" disabled={busy || !ready}>
              Create License Central
            </button>
          </div>
        </form>
        <ErrorNotice error={error} />
      </section>
      <ConnectServer refresh={refresh} />
    </div>
  );
}
