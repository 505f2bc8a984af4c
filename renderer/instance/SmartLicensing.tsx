import { useEffect, useState } from 'react';
import type { InstanceView, OnlineResult } from '../../shared/bridge.ts';
import { describeUnacknowledged } from '../../shared/instance/status-text.ts';
import { call } from '../bridge.ts';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import { TransportSettings } from './TransportSettings.tsx';
import { ExportControl } from './ExportControl.tsx';
import { formatWhen } from '../components/format.ts';

type Existing = Extract<InstanceView, { exists: true }>;
type Refresh = () => Promise<unknown>;

/** How often the app makes the calls that are due (renewals, the daily usage report). */
const TIMER_MS = 5 * 60_000;

/**
 * The app's timer of Smart Licensing online: at start and every few minutes, the calls that are due are made
 * (the main process makes them; nothing is made when nothing is due), and the view refreshed when one was.
 */
export function useSmartTimer(registered: boolean, refresh: Refresh): void {
  useEffect(() => {
    if (!registered) return;
    const tick = () =>
      void call('instanceSmartCatchUp').then(
        (r) => (r ? refresh() : undefined),
        () => undefined,
      );
    tick();
    const id = setInterval(tick, TIMER_MS);
    return () => clearInterval(id);
  }, [registered, refresh]);
}

/** The seeds' Smart Software Licensing section: status, Register, the Actions menu, the usage report, transport. */
export function SmartLicensing({ view, refresh }: { view: Existing; refresh: Refresh }) {
  const [result, setResult] = useState<OnlineResult | null>(null);
  const [reregister, setReregister] = useState(false);
  const act = useAction();
  const online = view.status.online;
  const done = async (r: OnlineResult) => {
    setResult(r);
    setReregister(false);
    await refresh();
  };
  const action = (a: 'renew-auth' | 'renew-id' | 'usage-report' | 'deregister') => void act.run(async () => done(await call('instanceSmartAction', a)));
  return (
    <div className="smart">
      <SmartStatus view={view} />
      {result && (
        <Notice kind="success" title="Done">
          {result.message.split('\n').map((line) => (
            <span key={line} className="line">
              {line}
            </span>
          ))}
        </Notice>
      )}
      {result?.warnings.map((w) => (
        <Notice key={w} kind="warning" title="Warning">
          {w}
        </Notice>
      ))}
      <ErrorNotice error={act.error} />
      {online && (
        <div className="actions" role="group" aria-label="Actions">
          <button type="button" disabled={act.busy} onClick={() => action('renew-auth')}>
            Renew Authorization Now
          </button>
          <button type="button" disabled={act.busy} onClick={() => action('renew-id')}>
            Renew Registration Now
          </button>
          <button type="button" disabled={act.busy} onClick={() => action('deregister')}>
            Deregister
          </button>
          <button type="button" disabled={act.busy} onClick={() => setReregister(true)}>
            Reregister
          </button>
        </div>
      )}
      {(!online || reregister) && <RegisterForm force={reregister} reserved={view.status.reservationEnabled} onDone={done} />}
      {online && <UsageReport view={view} busy={act.busy} onUpdate={() => action('usage-report')} />}
      {online && <ExportControl view={view} busy={act.busy} run={act.run} onDone={done} refresh={refresh} />}
      <TransportSettings view={view} onDone={done} />
    </div>
  );
}

function SmartStatus({ view }: { view: Existing }) {
  const s = view.status;
  const o = s.online?.link;
  const fact = (label: string, value: string, id?: string) => (
    <div>
      <dt>{label}</dt>
      <dd data-testid={id}>{value}</dd>
    </div>
  );
  return (
    <section aria-labelledby="smart-title">
      <h3 id="smart-title">Smart Software Licensing Status</h3>
      <dl className="facts">
        {fact('Registration Status', o ? s.registration : 'Unregistered', 'smart-registration')}
        {fact('Authorization Status', s.authorization, 'smart-authorization')}
        {o && fact('Virtual Account', o.account, 'smart-account')}
        {o && fact('License Central', o.server)}
        {o && fact('Registration Expires', formatWhen(o.registrationExpires))}
        {o && fact('Authorization Expires', formatWhen(o.authorizationExpires), 'smart-auth-expires')}
        {o && fact('Last Usage Report', o.lastUsageReport === null ? 'Never' : formatWhen(o.lastUsageReport))}
        {o && fact('Compliance As Of', s.online?.asOf ? formatWhen(s.online.asOf) : 'Never answered', 'smart-as-of')}
      </dl>
      {describeUnacknowledged(s) && (
        <Notice kind="warning" title="Usage not yet acknowledged by License Central">
          {describeUnacknowledged(s)} Update Usage Details reports it now; otherwise the next automatic report does.
        </Notice>
      )}
      {o?.lastFailure && (
        <Notice kind="warning" title="The last communication attempt failed">
          {formatWhen(o.lastFailure.at)}, {o.lastFailure.operation}: {o.lastFailure.message} This product instance keeps working until its authorization expires
          on {formatWhen(o.authorizationExpires)}.
        </Notice>
      )}
    </section>
  );
}

function RegisterForm({ force, reserved, onDone }: { force: boolean; reserved: boolean; onDone: (r: OnlineResult) => Promise<void> }) {
  const [token, setToken] = useState('');
  const act = useAction();
  return (
    <form
      className="card"
      aria-labelledby="register-title"
      onSubmit={(e) => {
        e.preventDefault();
        void act.run(async () => {
          const r = await call('instanceSmartRegister', { token: token.trim(), force });
          setToken('');
          await onDone(r);
        });
      }}
    >
      <h3 id="register-title">{force ? 'Reregister' : 'Register'}</h3>
      <p className="help" id="register-help">
        {force
          ? 'Paste a token of the virtual account to move this product instance to: it moves there without its licenses.'
          : 'Paste the Product Instance Registration Token License Central made for your virtual account. It is checked here first: signed by a License Central key this device trusts, and naming the server it reaches.'}
      </p>
      {reserved && <Notice kind="warning">License reservation is enabled: registration and reservation exclude each other. Disable it first.</Notice>}
      <label htmlFor="register-token">Product Instance Registration Token</label>
      <textarea
        id="register-token"
        className="wide mono"
        rows={4}
        aria-describedby="register-help"
        value={token}
        onChange={(e) => setToken(e.target.value)}
        spellCheck={false}
        maxLength={8192}
      />
      <div className="actions">
        <button type="submit" className="primary" disabled={act.busy || !token.trim()}>
          {force ? 'Reregister' : 'Register'}
        </button>
      </div>
      <ErrorNotice error={act.error} />
    </form>
  );
}

/** The seeds' License Usage Report: what is in use and whether the virtual account covers it; Update Usage Details. */
function UsageReport({ view, busy, onUpdate }: { view: Existing; busy: boolean; onUpdate: () => void }) {
  const inUse = view.status.usage.filter((u) => u.inUse > 0);
  return (
    <section aria-labelledby="usage-report-title">
      <h3 id="usage-report-title">License Usage Report</h3>
      <table>
        <thead>
          <tr>
            <th scope="col">License</th>
            <th scope="col">In use</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {inUse.length === 0 && (
            <tr>
              <td colSpan={3}>No licenses in use.</td>
            </tr>
          )}
          {inUse.map((u) => (
            <tr key={u.tag} className={u.status === 'Out of Compliance' ? 'row-warning' : undefined}>
              <td>{u.displayName}</td>
              <td>{u.inUse}</td>
              <td>{u.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions">
        <button type="button" disabled={busy} onClick={onUpdate}>
          Update Usage Details
        </button>
      </div>
    </section>
  );
}
