import { useState } from 'react';
import type { InstanceView, OnlineResult, TransportInput } from '../../shared/bridge.ts';
import { call } from '../bridge.ts';
import { ErrorNotice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';

type Existing = Extract<InstanceView, { exists: true }>;
type Mode = TransportInput['mode'];

const MODES: readonly { value: Mode; label: string; help: string }[] = [
  { value: 'direct', label: 'Direct', help: 'To License Central at the address the registration token names.' },
  { value: 'gateway', label: 'Transport Gateway', help: 'Through a gateway or satellite URL presenting the same certificate.' },
  { value: 'proxy', label: 'HTTP/HTTPS Proxy', help: 'Through an HTTP proxy (CONNECT); the calls stay encrypted end to end.' },
];

/** The seeds' Transport Settings, and "Do not share my hostname or IP address". */
export function TransportSettings({ view, onDone }: { view: Existing; onDone: (r: OnlineResult) => Promise<void> }) {
  const t = view.transport;
  const [mode, setMode] = useState<Mode>(t.mode);
  const [url, setUrl] = useState(t.mode === 'gateway' ? t.url : 'https://');
  const proxy = useProxyFields(t);
  const { host, port, user, password, setPassword } = proxy;
  const act = useAction();
  const input = (): TransportInput =>
    mode === 'direct'
      ? { mode }
      : mode === 'gateway'
        ? { mode, url: url.trim() }
        : { mode, host: host.trim(), port: Number(port), user: user.trim() || null, password: password || undefined };
  return (
    <form
      className="card"
      aria-labelledby="transport-title"
      onSubmit={(e) => {
        e.preventDefault();
        void act.run(async () => {
          const r = await call('instanceSmartTransport', input());
          setPassword('');
          await onDone(r);
        });
      }}
    >
      <h3 id="transport-title">Transport Settings</h3>
      <fieldset>
        <legend>How this product instance reaches License Central</legend>
        {MODES.map((m) => (
          <label key={m.value} className="choice">
            <input type="radio" name="transport" value={m.value} checked={mode === m.value} onChange={() => setMode(m.value)} /> {m.label}
            <span className="help"> {m.help}</span>
          </label>
        ))}
      </fieldset>
      {mode === 'gateway' && (
        <>
          <label htmlFor="transport-url">Gateway URL</label>
          <input id="transport-url" className="wide" type="url" value={url} onChange={(e) => setUrl(e.target.value)} required maxLength={500} />
        </>
      )}
      {mode === 'proxy' && <ProxyFields fields={proxy} passwordSet={t.mode === 'proxy' && t.passwordSet} />}
      <div className="actions">
        <button type="submit" disabled={act.busy}>
          Save Transport Settings
        </button>
      </div>
      <PrivacySetting hidden={view.privacy.hostname} onDone={onDone} />
      <ErrorNotice error={act.error} />
    </form>
  );
}

function PrivacySetting({ hidden, onDone }: { hidden: boolean; onDone: (r: OnlineResult) => Promise<void> }) {
  const act = useAction();
  return (
    <label className="choice">
      <input
        type="checkbox"
        checked={hidden}
        disabled={act.busy}
        onChange={(e) => void act.run(async () => onDone(await call('instanceSmartPrivacy', e.target.checked)))}
      />{' '}
      Do not share my hostname or IP address
    </label>
  );
}

function useProxyFields(t: Existing['transport']) {
  const [host, setHost] = useState(t.mode === 'proxy' ? t.host : '');
  const [port, setPort] = useState(t.mode === 'proxy' ? String(t.port) : '3128');
  const [user, setUser] = useState(t.mode === 'proxy' ? (t.user ?? '') : '');
  const [password, setPassword] = useState('');
  return { host, setHost, port, setPort, user, setUser, password, setPassword };
}

function ProxyFields({ fields: f, passwordSet }: { fields: ReturnType<typeof useProxyFields>; passwordSet: boolean }) {
  return (
    <>
      <label htmlFor="transport-host">Proxy host</label>
      <input id="transport-host" value={f.host} onChange={(e) => f.setHost(e.target.value)} required maxLength={253} />
      <label htmlFor="transport-port">Port</label>
      <input id="transport-port" inputMode="numeric" value={f.port} onChange={(e) => f.setPort(e.target.value)} required pattern="[0-9]{1,5}" />
      <label htmlFor="transport-user">User (optional)</label>
      <input id="transport-user" autoComplete="off" value={f.user} onChange={(e) => f.setUser(e.target.value)} maxLength={200} />
      <label htmlFor="transport-password">Password{passwordSet ? ' (one is set; leave empty to keep it)' : ''}</label>
      <input id="transport-password" type="password" autoComplete="off" value={f.password} onChange={(e) => f.setPassword(e.target.value)} />
    </>
  );
}
