import { useState } from 'react';
import type { AuthorityConnection } from '../../shared/bridge.ts';
import { call } from '../bridge.ts';
import { ErrorNotice } from '../components/Notice.tsx';
import { fingerprintProblem } from '../../shared/fingerprint-text.ts';
import { useAction } from '../components/useAction.ts';

/**
 * License Central as a server: the workspace connects to one (its address, the fingerprint of its certificate
 * as its administrator gave it, a user and a password) and then works there, as it works on its own ledger.
 * The password goes to the main process, which logs in and keeps only the session.
 */
export function ConnectServer({ refresh }: { refresh: () => Promise<unknown> }) {
  const [server, setServer] = useState('https://');
  const [fingerprint, setFingerprint] = useState('');
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const act = useAction();
  const problem = fingerprintProblem(fingerprint);
  return (
    <section className="card" aria-labelledby="connect-title">
      <h2 id="connect-title">Or connect to a License Central server</h2>
      <p>Where License Central runs as a server for several administrators, work there: the same views and actions, on its ledger.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void act.run(async () => {
            await call('authorityConnect', { server: server.trim(), fingerprint: fingerprint.trim(), user: user.trim(), password });
            setPassword('');
            await refresh();
          });
        }}
      >
        <label htmlFor="connect-server">Server address</label>
        <input id="connect-server" className="wide" type="url" value={server} onChange={(e) => setServer(e.target.value)} required maxLength={500} />
        <label htmlFor="connect-fingerprint">Certificate fingerprint (SHA-256)</label>
        <p className="help" id="connect-fingerprint-help">
          The server&apos;s administrator gives it to you; the app trusts that certificate and no other.
        </p>
        <input
          id="connect-fingerprint"
          className="wide mono"
          aria-describedby={problem ? 'connect-fingerprint-help connect-fingerprint-problem' : 'connect-fingerprint-help'}
          aria-invalid={problem ? true : undefined}
          value={fingerprint}
          onChange={(e) => setFingerprint(e.target.value)}
          required
          maxLength={200}
          spellCheck={false}
        />
        {problem && (
          <p className="field-error" id="connect-fingerprint-problem" role="alert">
            {problem}
          </p>
        )}
        <label htmlFor="connect-user">User</label>
        <input id="connect-user" autoComplete="username" value={user} onChange={(e) => setUser(e.target.value)} required maxLength={64} />
        <label htmlFor="connect-password">Password</label>
        <input id="connect-password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        <div className="actions">
          <button type="submit" className="primary" disabled={act.busy || !user.trim() || !password || !fingerprint.trim() || problem !== null}>
            Connect
          </button>
        </div>
      </form>
      <ErrorNotice error={act.error} />
    </section>
  );
}

/** Where the workspace works when connected, and the way back to the app's own ledger. */
export function ConnectionBar({ connection, refresh }: { connection: AuthorityConnection; refresh: () => Promise<unknown> }) {
  const act = useAction();
  return (
    <div className="connection">
      <p>
        Connected to <strong>{connection.server}</strong> as <strong>{connection.user}</strong>. Certificate <code>{connection.fingerprint.slice(0, 23)}…</code>
      </p>
      <button type="button" disabled={act.busy} onClick={() => void act.run(async () => (await call('authorityDisconnect'), await refresh()))}>
        Disconnect
      </button>
      <ErrorNotice error={act.error} />
    </div>
  );
}
