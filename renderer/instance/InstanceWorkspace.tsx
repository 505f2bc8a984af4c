import { useCallback, useState, type ReactNode } from 'react';
import type { Availability, CodeInspection, InstanceView } from '../../shared/bridge.ts';
import { PRODUCTS, productById } from '../../shared/catalog.ts';
import { describeEvaluation, describeOverage } from '../../shared/instance/status-text.ts';
import type { BridgeCommand, ReservationCommand } from '../../shared/instance/command-table.ts';
import { REGISTRATION } from '../../shared/instance/state.ts';
import { formatInstant } from '../../shared/codes/dates.ts';
import { call } from '../bridge.ts';
import { Tabs } from '../components/Tabs.tsx';
import { CodeBox } from '../components/CodeBox.tsx';
import { CodeInput } from '../components/CodeInput.tsx';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import { useView } from '../components/useView.ts';
import { EventTable } from '../components/EventTable.tsx';
import { CommandText } from '../components/CommandText.tsx';
import { Inspection } from './Inspection.tsx';

type Existing = Extract<InstanceView, { exists: true }>;
type Section = 'reservation' | 'usage' | 'events' | 'settings';

export function InstanceWorkspace() {
  const { view, setView, refresh, error } = useView('instanceView');
  const [section, setSection] = useState<Section>('reservation');

  if (!view)
    return (
      <div className="workspace">
        <ErrorNotice error={error} />
        {!error && <p>Loading…</p>}
      </div>
    );
  if (!view.exists) return <CreateInstance dir={view.dir} onCreated={setView} />;
  return (
    <div className="workspace">
      <StatusPanel view={view} />
      <Tabs<Section>
        label="Product instance sections"
        idPrefix="pi"
        value={section}
        onChange={setSection}
        items={[
          { value: 'reservation', label: 'Reservation' },
          { value: 'usage', label: 'Usage' },
          { value: 'events', label: 'Event Log' },
          { value: 'settings', label: 'Settings' },
        ]}
      />
      <section id="pi-panel" role="tabpanel" aria-labelledby={`pi-tab-${section}`} className="panel">
        {section === 'reservation' && <ReservationFlow view={view} refresh={refresh} />}
        {section === 'usage' && <UsagePanel view={view} refresh={refresh} />}
        {section === 'events' && <EventTable kind="instance" check={view.logCheck} events={view.events} />}
        {section === 'settings' && <SettingsPanel view={view} refresh={refresh} />}
      </section>
    </div>
  );
}

function CreateInstance({ dir, onCreated }: { dir: string; onCreated: (v: InstanceView) => void }) {
  const [pid, setPid] = useState<'UCM' | 'CUC'>('UCM');
  const { busy, error, run } = useAction();
  return (
    <div className="workspace">
      <section className="card" aria-labelledby="create-title">
        <h2 id="create-title">Create the product instance</h2>
        <p>
          This device has no product instance yet. Its identity (UDI) and its key pair are made once, here, and kept in <code>{dir}</code>.
        </p>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => onCreated(await call('instanceInit', pid)));
          }}
        >
          <label htmlFor="create-pid">Product</label>
          <select id="create-pid" value={pid} onChange={(e) => setPid(e.target.value as 'UCM' | 'CUC')}>
            {PRODUCTS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} ({p.id})
              </option>
            ))}
          </select>
          <button type="submit" className="primary" disabled={busy}>
            Create product instance
          </button>
        </form>
        <ErrorNotice error={error} />
      </section>
    </div>
  );
}

function StatusPanel({ view }: { view: Existing }) {
  const s = view.status;
  return (
    <section className="card status" aria-labelledby="status-title">
      <h2 id="status-title">{s.product.name}</h2>
      {s.enforcement.active && (
        <Notice kind="error" title="Enforcement: new users and devices are refused">
          {s.enforcement.reason}
        </Notice>
      )}
      {s.clock.behindMs > 0 && (
        <Notice kind="warning" title="The device clock is behind">
          It is {Math.round(s.clock.behindMs / 60_000)} minutes behind the latest time seen ({formatInstant(s.clock.effective)}); that time is used.
        </Notice>
      )}
      <dl className="facts">
        <div>
          <dt>UDI</dt>
          <dd data-testid="udi">
            <code>{s.udi}</code>
          </dd>
        </div>
        <div>
          <dt>License reservation</dt>
          <dd>{s.reservationEnabled ? 'Enabled' : 'Disabled'}</dd>
        </div>
        <div>
          <dt>Registration status</dt>
          <dd data-testid="registration">{s.registration}</dd>
        </div>
        <div>
          <dt>Authorization status</dt>
          <dd data-testid="authorization">{s.authorization}</dd>
        </div>
        <div>
          <dt>Evaluation period</dt>
          <dd data-testid="evaluation">{describeEvaluation(s)}</dd>
        </div>
        <div>
          <dt>Overage</dt>
          <dd>{describeOverage(s) ?? 'None'}</dd>
        </div>
        <div>
          <dt>Export-controlled functionality</dt>
          <dd data-testid="export" title={s.exportControlled.reason}>
            {s.exportControlled.allowed ? 'Allowed' : 'Not allowed'}
          </dd>
        </div>
      </dl>
    </section>
  );
}

function Unavailable({ a }: { a: Availability }) {
  if (a.allowed) return null;
  return (
    <p className="unavailable">
      <strong>Not available now:</strong> <CommandText text={a.why} /> <CommandText text={a.hint} />
    </p>
  );
}

function Step({ n, title, active, done, children }: { n: number; title: string; active: boolean; done: boolean; children: ReactNode }) {
  return (
    <li className={`step${active ? ' step-active' : ''}${done ? ' step-done' : ''}`} aria-current={active ? 'step' : undefined}>
      <h3>
        <span className="step-n" aria-hidden="true">
          {n}
        </span>{' '}
        {title}
        {done && <span className="visually-hidden"> (done)</span>}
      </h3>
      {children}
    </li>
  );
}

function ReservationFlow({ view, refresh }: { view: Existing; refresh: () => Promise<unknown> }) {
  const a = view.availability;
  const s = view.status;
  const act = useAction();
  const [code, setCode] = useState('');
  const [inspection, setInspection] = useState<CodeInspection | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [confirmReturn, setConfirmReturn] = useState(false);
  const registered = s.registration === REGISTRATION.registered;
  const inProgress = s.registration === REGISTRATION.inProgress;
  const command = (type: Extract<BridgeCommand, { type: ReservationCommand }>['type']) =>
    act.run(async () => {
      const r = await call('instanceCommand', { type });
      setMessage(r.message);
      setConfirmReturn(false);
      await refresh();
    });
  const onCode = useCallback(
    (v: string) => {
      setCode(v);
      setInspection(null);
      act.setError(null);
    },
    [act.setError],
  );

  return (
    <div>
      <div className="actions mode">
        {s.reservationEnabled ? (
          <button
            type="button"
            disabled={act.busy || !a.disable.allowed}
            onClick={() => void command('disable')}
            title={a.disable.allowed ? '' : a.disable.why}
          >
            Disable license reservation
          </button>
        ) : (
          <button type="button" className="primary" disabled={act.busy} onClick={() => void command('enable')}>
            Enable license reservation
          </button>
        )}
      </div>
      {message && <Notice kind="success">{message}</Notice>}
      <ol className="steps" aria-label="Reservation steps">
        <Step n={1} title="Request code" active={a.request.allowed && !inProgress} done={inProgress || registered}>
          <p>Generate the request code and take it to License Central (License Reservation).</p>
          <Unavailable a={a.request} />
          <div className="actions">
            <button type="button" className="primary" disabled={act.busy || !a.request.allowed} onClick={() => void command('request')}>
              {inProgress ? 'Show the request code again' : 'Generate request code'}
            </button>
            <button type="button" disabled={act.busy || !a.cancel.allowed} onClick={() => void command('cancel')}>
              Cancel request
            </button>
          </div>
          {view.lastRequest && inProgress && (
            <CodeBox kind="request" code={view.lastRequest.code} sn={s.sn} caption={`Generated ${formatInstant(view.lastRequest.at)}.`} />
          )}
        </Step>
        <Step n={2} title="Authorization code" active={a.install.allowed} done={registered}>
          <p>
            {registered
              ? 'To update the reservation, install the new authorization code from License Central.'
              : 'Install the authorization code License Central generated for this request.'}
          </p>
          <Unavailable a={a.install} />
          {a.install.allowed && (
            <>
              <CodeInput kind="authorization" value={code} onChange={onCode} error={inspection ? null : act.error} rows={5} />
              <div className="actions">
                <button
                  type="button"
                  disabled={act.busy || !code.trim()}
                  onClick={() => void act.run(async () => setInspection(await call('instanceInspect', code)))}
                >
                  Check code
                </button>
              </div>
              {inspection && (
                <Inspection inspection={inspection}>
                  <div className="actions">
                    <button
                      type="button"
                      className="primary"
                      disabled={act.busy || inspection.problems.length > 0}
                      onClick={() =>
                        void act.run(async () => {
                          const r = await call('instanceInstall', code);
                          setMessage(r.message);
                          setCode('');
                          setInspection(null);
                          await refresh();
                        })
                      }
                    >
                      Install authorization code
                    </button>
                    {a['return-authorization'].allowed && (
                      <button
                        type="button"
                        disabled={act.busy}
                        onClick={() =>
                          void act.run(async () => {
                            const r = await call('instanceReturnAuthorization', code);
                            setMessage(r.message);
                            setCode('');
                            setInspection(null);
                            await refresh();
                          })
                        }
                      >
                        Return it without installing
                      </button>
                    )}
                  </div>
                  <ErrorNotice error={act.error} />
                </Inspection>
              )}
            </>
          )}
        </Step>
        <Step n={3} title="Confirmation code" active={!!view.lastConfirmation && registered} done={false}>
          <p>After an update, enter this confirmation code in License Central so that it releases the licenses held in transition.</p>
          {view.lastConfirmation && registered ? (
            <CodeBox
              kind="confirmation"
              code={view.lastConfirmation.code}
              sn={s.sn}
              caption={`For the code issued ${formatInstant(Number(view.lastConfirmation.timestamp))}.`}
            />
          ) : (
            <p className="unavailable">No update has been installed yet: a confirmation code comes with the first update.</p>
          )}
        </Step>
        <Step n={4} title="Return code" active={a.return.allowed} done={!!view.lastReturn && !registered}>
          <p>
            Returning removes the reservation from this device; enter the return code in License Central to give the licenses back to the pool. Evaluation
            resumes with the days left.
          </p>
          <Unavailable a={a.return} />
          {a.return.allowed &&
            (confirmReturn ? (
              <div className="confirm" role="group" aria-label="Confirm return">
                <p>Remove the reservation from this device now?</p>
                <button type="button" className="danger" disabled={act.busy} onClick={() => void command('return')}>
                  Yes, return the reservation
                </button>
                <button type="button" onClick={() => void setConfirmReturn(false)}>
                  No
                </button>
              </div>
            ) : (
              <button type="button" disabled={act.busy} onClick={() => void setConfirmReturn(true)}>
                Return reservation…
              </button>
            ))}
          {view.lastReturn && <CodeBox kind="return" code={view.lastReturn.code} sn={s.sn} caption={`Generated ${formatInstant(view.lastReturn.at)}.`} />}
        </Step>
      </ol>
      {!a.install.allowed && <ErrorNotice error={act.error} />}
    </div>
  );
}

function UsagePanel({ view, refresh }: { view: Existing; refresh: () => Promise<unknown> }) {
  const product = productById(view.status.product.id)!;
  const [tag, setTag] = useState(product.entitlements[0]!.short);
  const [count, setCount] = useState('0');
  const act = useAction();
  return (
    <div>
      <table>
        <caption>Licenses in use and reserved</caption>
        <thead>
          <tr>
            <th scope="col">License</th>
            <th scope="col">In use</th>
            <th scope="col">Reserved</th>
            <th scope="col">Valid until</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {view.status.usage.length === 0 && (
            <tr>
              <td colSpan={5}>No licenses in use or reserved.</td>
            </tr>
          )}
          {view.status.usage.map((u) => (
            <tr key={u.tag}>
              <td>{u.displayName}</td>
              <td>{u.inUse}</td>
              <td>{u.reserved}</td>
              <td>{u.validUntil || (u.licenseType ? 'Perpetual' : '-')}</td>
              <td>{u.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void act.run(async () => {
            await call('instanceCommand', { type: 'usage', tag, count: Number(count) });
            await refresh();
          });
        }}
      >
        <h3>Set current usage</h3>
        <label htmlFor="usage-tag">License</label>
        <select id="usage-tag" value={tag} onChange={(e) => setTag(e.target.value)}>
          {product.entitlements.map((e) => (
            <option key={e.tag} value={e.short}>
              {e.displayName}
            </option>
          ))}
        </select>
        <label htmlFor="usage-count">In use</label>
        <input id="usage-count" type="number" min={0} max={9999999} value={count} onChange={(e) => setCount(e.target.value)} />
        <button type="submit" disabled={act.busy || !/^\d+$/.test(count)}>
          Set usage
        </button>
      </form>
      <ErrorNotice error={act.error} />
    </div>
  );
}

function SettingsPanel({ view, refresh }: { view: Existing; refresh: () => Promise<unknown> }) {
  const act = useAction();
  const [message, setMessage] = useState<string | null>(null);
  return (
    <div>
      <h3>Trusted License Central keys</h3>
      <p>Authorization codes are installed only when signed by one of these keys.</p>
      <table>
        <caption className="visually-hidden">Trusted keys</caption>
        <thead>
          <tr>
            <th scope="col">Key id</th>
            <th scope="col">From file</th>
            <th scope="col">Added</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {view.trustedKeys.length === 0 && (
            <tr>
              <td colSpan={4}>No key is trusted yet.</td>
            </tr>
          )}
          {view.trustedKeys.map((k) => (
            <tr key={k.id}>
              <td>
                <code>{k.id}</code>
              </td>
              <td>{k.label}</td>
              <td>{formatInstant(k.addedAt)}</td>
              <td>
                <button
                  type="button"
                  disabled={act.busy}
                  onClick={() =>
                    void act.run(async () => {
                      setMessage((await call('instanceTrustRemove', k.id)).message);
                      await refresh();
                    })
                  }
                >
                  Remove key {k.id}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions">
        <button
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
      <h3>Identity and data</h3>
      <dl className="facts">
        <div>
          <dt>UDI</dt>
          <dd>
            <code>{view.status.udi}</code>
          </dd>
        </div>
        <div>
          <dt>Data directory</dt>
          <dd>
            <code>{view.dir}</code>
          </dd>
        </div>
      </dl>
    </div>
  );
}
