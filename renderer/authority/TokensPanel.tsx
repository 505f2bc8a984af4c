import { useCallback, useEffect, useState } from 'react';
import type { RegisteredLine, TokenLine } from '../../shared/bridge.ts';
import { call } from '../bridge.ts';
import { fingerprintProblem } from '../../shared/fingerprint-text.ts';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import type { Ready, Refresh } from './types.ts';
import { HeaderRow } from '../components/HeaderRow.tsx';
import { formatDay, formatWhen } from '../components/format.ts';

/**
 * Smart Licensing online at License Central: the Tokens view (New Token, revoke) and the product instances
 * registered online, beside the reserved ones (remove one: its usage released, its identity revoked).
 */
export function TokensPanel({ view, refresh }: { view: Ready; refresh: Refresh }) {
  const [tokens, setTokens] = useState<readonly TokenLine[] | null>(null);
  const [registered, setRegistered] = useState<readonly RegisteredLine[] | null>(null);
  const act = useAction();
  const load = useCallback(async () => {
    const [t, r] = await Promise.all([call('authorityTokens'), call('authorityRegistered')]);
    setTokens(t);
    setRegistered(r);
  }, []);
  // After a change, the workspace's view too (its event log); on opening, the view is fresh already.
  const reload = useCallback(async () => {
    await load();
    await refresh();
  }, [load, refresh]);
  useEffect(() => void act.run(load), [act.run, load]);
  return (
    <div>
      <NewToken view={view} onMade={reload} />
      <ErrorNotice error={act.error} />
      <TokenTable tokens={tokens} act={act} reload={reload} />
      <RegisteredTable registered={registered} act={act} reload={reload} />
    </div>
  );
}

/** On the app's own ledger: where devices reach License Central's server, and its certificate's fingerprint (checked as typed). */
function ServerTarget(p: { server: string; setServer: (s: string) => void; fingerprint: string; setFingerprint: (s: string) => void }) {
  const { server, setServer, fingerprint, setFingerprint } = p;
  const fingerprintError = fingerprintProblem(fingerprint);
  return (
    <>
      <label htmlFor="token-server">License Central URL, as devices reach it</label>
      <input id="token-server" className="wide" type="url" value={server} onChange={(e) => setServer(e.target.value)} required maxLength={500} />
      <label htmlFor="token-fingerprint">Its certificate’s fingerprint (SHA-256)</label>
      <input
        id="token-fingerprint"
        className="wide mono"
        value={fingerprint}
        onChange={(e) => setFingerprint(e.target.value)}
        maxLength={200}
        aria-invalid={fingerprintError ? true : undefined}
        aria-describedby="token-fingerprint-help"
      />
      <p id="token-fingerprint-help" className={fingerprintError ? 'field-error' : 'help'}>
        {fingerprintError ?? 'Empty: the certificate of the server run from this data directory. Devices trust exactly this certificate.'}
      </p>
    </>
  );
}

function NewToken({ view, onMade }: { view: Ready; onMade: () => Promise<void> }) {
  const [account, setAccount] = useState(view.accounts[0] ?? '');
  const [description, setDescription] = useState('');
  const [days, setDays] = useState('30');
  const [maxUses, setMaxUses] = useState('');
  const [exportControlled, setExportControlled] = useState(false);
  const [server, setServer] = useState('https://');
  const [fingerprint, setFingerprint] = useState('');
  const [made, setMade] = useState<{ id: string; token: string; expiresAt: number } | null>(null);
  const act = useAction();
  return (
    <form
      className="card"
      aria-labelledby="token-title"
      onSubmit={(e) => {
        e.preventDefault();
        void act.run(async () => {
          const input = { account, description: description.trim() || undefined, expiresDays: Number(days), exportControlled };
          const uses = maxUses.trim() ? { maxUses: Number(maxUses) } : {};
          const target = view.connection ? {} : { server: server.trim(), ...(fingerprint.trim() ? { fingerprint: fingerprint.trim() } : {}) };
          setMade(await call('authorityTokenCreate', { ...input, ...uses, ...target }));
          await onMade();
        });
      }}
    >
      <h3 id="token-title">New Token</h3>
      <label htmlFor="token-account">Virtual Account</label>
      <select id="token-account" value={account} onChange={(e) => setAccount(e.target.value)}>
        {view.accounts.map((a) => (
          <option key={a}>{a}</option>
        ))}
      </select>
      <label htmlFor="token-description">Description</label>
      <input id="token-description" className="wide" value={description} onChange={(e) => setDescription(e.target.value)} maxLength={200} />
      <label htmlFor="token-days">Expire After (days)</label>
      <input id="token-days" inputMode="numeric" value={days} onChange={(e) => setDays(e.target.value)} required pattern="[0-9]{1,3}" />
      <label htmlFor="token-uses">Max. Number of Uses (empty: no limit)</label>
      <input id="token-uses" inputMode="numeric" value={maxUses} onChange={(e) => setMaxUses(e.target.value)} pattern="[0-9]{0,7}" />
      {!view.connection && <ServerTarget server={server} setServer={setServer} fingerprint={fingerprint} setFingerprint={setFingerprint} />}
      <label className="choice">
        <input type="checkbox" checked={exportControlled} onChange={(e) => setExportControlled(e.target.checked)} /> Allow export-controlled functionality on
        the products registered with this token
      </label>
      <div className="actions">
        <button type="submit" className="primary" disabled={act.busy || !account || fingerprintProblem(fingerprint) !== null}>
          Create Token
        </button>
      </div>
      <ErrorNotice error={act.error} />
      {made && <MadeToken made={made} />}
    </form>
  );
}

/** A token just made: shown once, to copy. */
function MadeToken({ made }: { made: { id: string; token: string; expiresAt: number } }) {
  return (
    <Notice kind="success" title={`Token ${made.id}, valid until ${formatDay(made.expiresAt)}`}>
      Copy it now: it is shown once. Paste it on the product instance (its Smart Software Licensing tab, “Register”).
      <textarea className="wide mono" readOnly rows={4} value={made.token} aria-label="The new registration token" data-testid="new-token" />
      <button type="button" onClick={() => void call('clipboardWrite', made.token)}>
        Copy
      </button>
    </Notice>
  );
}

type Act = ReturnType<typeof useAction>;

function TokenTable({ tokens, act, reload }: { tokens: readonly TokenLine[] | null; act: Act; reload: () => Promise<void> }) {
  return (
    <table>
      <caption>Product Instance Registration Tokens</caption>
      <HeaderRow names={['Token', 'Virtual Account', 'Description', 'Expires', 'Uses', 'Export-Controlled', 'State', '']} />
      <tbody>
        {tokens?.length === 0 && (
          <tr>
            <td colSpan={8}>No registration tokens yet.</td>
          </tr>
        )}
        {tokens?.map((t) => (
          <tr key={t.id} data-token={t.id}>
            <td>
              <code>{t.id}</code>
            </td>
            <td>{t.account}</td>
            <td>{t.description || '-'}</td>
            <td>{formatDay(t.expiresAt)}</td>
            <td>{t.maxUses === null ? t.uses : `${t.uses} of ${t.maxUses}`}</td>
            <td>{t.exportControlled ? 'Allowed' : 'Not allowed'}</td>
            <td>{t.state}</td>
            <td>
              {t.state === 'valid' && (
                <button type="button" disabled={act.busy} onClick={() => void act.run(async () => (await call('authorityTokenRevoke', t.id), await reload()))}>
                  Revoke
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RegisteredTable({ registered, act, reload }: { registered: readonly RegisteredLine[] | null; act: Act; reload: () => Promise<void> }) {
  return (
    <table>
      <caption>Product instances registered online</caption>
      <HeaderRow names={['#', 'Virtual Account', 'UDI', 'Registered', 'Last Contact', 'Last Usage Report', 'Usage', 'Export-Controlled', 'Compliance', '']} />
      <tbody>
        {registered?.length === 0 && (
          <tr>
            <td colSpan={10}>No product instances registered online.</td>
          </tr>
        )}
        {registered?.map((r) => (
          <tr key={r.instance} data-registered={r.instance} className={r.compliance === 'Out of Compliance' ? 'row-warning' : undefined}>
            <td>{r.instance}</td>
            <td>{r.account}</td>
            <td>
              <code>{r.udi}</code>
              {r.nodes.length > 0 && <div className="help">Cluster publisher; subscribers: {r.nodes.join(', ')}</div>}
            </td>
            <td>{formatWhen(r.registeredAt)}</td>
            <td>{formatWhen(r.lastContact)}</td>
            <td>{r.lastUsageReport === null ? '-' : formatWhen(r.lastUsageReport)}</td>
            <td>
              {Object.entries(r.usage)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ') || '-'}
            </td>
            <td>
              {r.exportControlled ? 'Allowed' : 'Not allowed'}
              {r.exportKeys.map((k) => (
                <div key={k} className="help">
                  key: <code className="wrap">{k}</code>
                </div>
              ))}
            </td>
            <td>{r.compliance}</td>
            <td>
              <button
                type="button"
                disabled={act.busy}
                onClick={() => void act.run(async () => (await call('authorityRegisteredRemove', r.instance), await reload()))}
              >
                Remove
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
