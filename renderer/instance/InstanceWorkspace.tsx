import { useCallback, useState } from 'react';
import { OpenStateRecovery, OpenTrustSettings } from '../components/nav.ts';
import { STATE_UNUSABLE } from '../../shared/bridge-device-state.ts';
import { StateRecovery } from './StateRecovery.tsx';
import { KeySealed } from './KeySealed.tsx';
import { Alarms, ClusterFacts, SecuritySettings } from './Security.tsx';
import { REGISTRATION } from '../../shared/instance/state.ts';
import { BackupRestore } from './BackupRestore.tsx';
import { SetupChecklist } from './SetupChecklist.tsx';
import { ReservationFlow } from './ReservationFlow.tsx';
import { SmartLicensing, useSmartTimer } from './SmartLicensing.tsx';
import { TrustedKeys } from './TrustedKeys.tsx';
import { TermNotices, validity } from './TermNotices.tsx';
import type { InstanceView } from '../../shared/bridge.ts';
import { PRODUCTS, productById, type ProductId } from '../../shared/catalog.ts';
import { describeEvaluation, describeOverage } from '../../shared/instance/status-text.ts';
import { call } from '../bridge.ts';
import { Tabs } from '../components/Tabs.tsx';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import { useView } from '../components/useView.ts';
import { EventTable } from '../components/EventTable.tsx';
import { formatWhen } from '../components/format.ts';

type Existing = Extract<InstanceView, { exists: true }>;
type Section = 'reservation' | 'smart' | 'usage' | 'events' | 'settings';

export function InstanceWorkspace() {
  const { view, setView, refresh, error } = useView('instanceView');
  const [section, setSection] = useState<Section>('reservation');
  const [focusTrust, setFocusTrust] = useState(false);
  const openTrust = useCallback(() => {
    setSection('settings');
    setFocusTrust(true);
  }, []);
  useSmartTimer(Boolean(view?.exists && view.status.online), refresh);
  const openRecovery = useCallback(() => void refresh(), [refresh]);

  const unusable = cannotRun(error, view, refresh);
  if (unusable) return unusable;
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
      <OpenTrustSettings.Provider value={openTrust}>
        <SetupChecklist view={view} />
      </OpenTrustSettings.Provider>
      <Tabs<Section>
        label="Product instance sections"
        idPrefix="pi"
        value={section}
        onChange={setSection}
        items={[
          { value: 'reservation', label: 'Reservation' },
          { value: 'usage', label: 'Usage' },
          { value: 'smart', label: 'Smart Software Licensing' },
          { value: 'events', label: 'Event Log' },
          { value: 'settings', label: 'Settings' },
        ]}
      />
      <section id="pi-panel" role="tabpanel" aria-labelledby={`pi-tab-${section}`} className="panel">
        <OpenStateRecovery.Provider value={openRecovery}>
          <OpenTrustSettings.Provider value={openTrust}>
            {section === 'reservation' && <ReservationFlow view={view} refresh={refresh} />}
          </OpenTrustSettings.Provider>
          {section === 'smart' && <SmartLicensing view={view} refresh={refresh} />}
          {section === 'usage' && <UsagePanel view={view} refresh={refresh} />}
          {section === 'events' && <EventTable kind="instance" check={view.logCheck} events={view.events} />}
          {section === 'settings' && <SettingsPanel view={view} refresh={refresh} focusTrust={focusTrust} onFocused={() => setFocusTrust(false)} />}
        </OpenStateRecovery.Provider>
      </section>
    </div>
  );
}

/** A state the device cannot run on as it is (changed outside SLR Desk, damaged, or its key sealed where it cannot be opened): the ways out. */
function cannotRun(error: { code?: string; message: string } | null, view: InstanceView | null, refresh: () => Promise<unknown>) {
  if (error && (STATE_UNUSABLE as readonly (string | undefined)[]).includes(error.code))
    return (
      <div className="workspace">
        <StateRecovery error={error} onDone={refresh} />
      </div>
    );
  if (view?.exists && view.keyProblem)
    return (
      <div className="workspace">
        <KeySealed problem={view.keyProblem} udi={view.status.udi} refresh={refresh}>
          <StatusPanel view={view} />
        </KeySealed>
      </div>
    );
  return null;
}

function CreateInstance({ dir, onCreated }: { dir: string; onCreated: (v: InstanceView) => void }) {
  const [pid, setPid] = useState<ProductId>('UCM');
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
          <select id="create-pid" value={pid} onChange={(e) => setPid(e.target.value as ProductId)}>
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
      <TermNotices status={s} expiring={view.expiring} />
      <Alarms view={view} />
      <ClusterFacts view={view} />
      {s.clock.behindMs > 0 && (
        <Notice kind="warning" title="The device clock is behind">
          It is {Math.round(s.clock.behindMs / 60_000)} minutes behind the latest time seen ({formatWhen(s.clock.effective)}); that time is used.
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

/** Each license: in use, reserved, valid until, status. */
function UsageTable({ status }: { status: Existing['status'] }) {
  const usage = status.usage;
  return (
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
        {usage.length === 0 && (
          <tr>
            <td colSpan={5}>No licenses in use or reserved.</td>
          </tr>
        )}
        {usage.map((u) => (
          <tr key={u.tag}>
            <td>{u.displayName}</td>
            <td>{u.inUse}</td>
            <td>{u.reserved}</td>
            <td>{validity(u, status)}</td>
            <td>{u.status}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function UsagePanel({ view, refresh }: { view: Existing; refresh: () => Promise<unknown> }) {
  const product = productById(view.status.product.id)!;
  const [tag, setTag] = useState(product.entitlements[0]!.short);
  const [count, setCount] = useState('0');
  const act = useAction();
  return (
    <div>
      <UsageTable status={view.status} />
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

function SettingsPanel({
  view,
  refresh,
  focusTrust,
  onFocused,
}: {
  view: Existing;
  refresh: () => Promise<unknown>;
  focusTrust: boolean;
  onFocused: () => void;
}) {
  return (
    <div>
      <TrustedKeys view={view} refresh={refresh} focusAdd={focusTrust} onFocused={onFocused} />
      <BackupRestore reserved={view.status.registration === REGISTRATION.registered} refresh={refresh} />
      <SecuritySettings view={view} refresh={refresh} />
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
