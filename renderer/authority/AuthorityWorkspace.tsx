import { useCallback, useState } from 'react';
import type { AuthorityView, IssuedView, RequestInspection } from '../../shared/bridge.ts';
import { formatInstant } from '../../shared/codes/dates.ts';
import { call } from '../bridge.ts';
import { Tabs } from '../components/Tabs.tsx';
import { CodeBox } from '../components/CodeBox.tsx';
import { CodeInput } from '../components/CodeInput.tsx';
import { useDraft } from '../components/useDraft.ts';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { EventTable } from '../components/EventTable.tsx';
import { useAction } from '../components/useAction.ts';
import { useView } from '../components/useView.ts';
import { InstancesPanel } from './InstancesPanel.tsx';
import { LicensesPanel } from './LicensesPanel.tsx';

export type Ready = Extract<AuthorityView, { initialized: true }>;
type Section = 'licenses' | 'instances' | 'reserve' | 'events' | 'keys';
export type Refresh = () => Promise<unknown>;

export function AuthorityWorkspace() {
  const { view, refresh, error } = useView('authorityView');
  const [section, setSection] = useState<Section>('licenses');

  if (!view)
    return (
      <div className="workspace">
        <ErrorNotice error={error} />
        {!error && <p>Loading…</p>}
      </div>
    );
  if (!view.initialized) return <CreateAuthority dir={view.dir} refresh={refresh} />;
  return (
    <div className="workspace">
      <section className="card" aria-labelledby="sa-title">
        <h2 id="sa-title">License Central: {view.smartAccount}</h2>
        <p>
          {view.accounts.length} virtual account{view.accounts.length === 1 ? '' : 's'} · {view.instanceCount.toLocaleString('en-US')} product instance
          {view.instanceCount === 1 ? '' : 's'} with reserved licenses
        </p>
      </section>
      <Tabs<Section>
        label="License Central sections"
        idPrefix="la"
        value={section}
        onChange={setSection}
        items={[
          { value: 'licenses', label: 'Licenses' },
          { value: 'instances', label: 'Product Instances' },
          { value: 'reserve', label: 'License Reservation' },
          { value: 'events', label: 'Event Log' },
          { value: 'keys', label: 'Signing Keys' },
        ]}
      />
      <section id="la-panel" role="tabpanel" aria-labelledby={`la-tab-${section}`} className="panel">
        {section === 'licenses' && <LicensesPanel view={view} refresh={refresh} />}
        {section === 'instances' && <InstancesPanel view={view} refresh={refresh} />}
        {section === 'reserve' && <ReserveWizard view={view} refresh={refresh} />}
        {section === 'events' && <EventTable kind="authority" events={view.events} check={view.logCheck} />}
        {section === 'keys' && <KeysPanel view={view} refresh={refresh} />}
      </section>
    </div>
  );
}

function CreateAuthority({ dir, refresh }: { dir: string; refresh: Refresh }) {
  const [name, setName] = useState('');
  const { busy, error, run } = useAction();
  return (
    <div className="workspace">
      <section className="card" aria-labelledby="init-title">
        <h2 id="init-title">Set up License Central</h2>
        <p>
          Creates the smart account, its virtual account “Default” and the signing key, in <code>{dir}</code>.
        </p>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              await call('authorityInit', name);
              await refresh();
            });
          }}
        >
          <label htmlFor="init-name">Smart account name</label>
          <input id="init-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
          <button type="submit" className="primary" disabled={busy || !name.trim()}>
            Create
          </button>
        </form>
        <ErrorNotice error={error} />
      </section>
    </div>
  );
}

type WizardStep = 1 | 2 | 3 | 4;
const WIZARD = ['Enter Request Code', 'Select Licenses', 'Review and confirm', 'Authorization Code'];

function ReserveWizard({ view, refresh }: { view: Ready; refresh: Refresh }) {
  const act = useAction();
  const [step, setStep] = useState<WizardStep>(1);
  const [request, setRequest] = useDraft('authority.request-code', '');
  const [inspection, setInspection] = useState<RequestInspection | null>(null);
  const [account, setAccount] = useState(view.accounts[0] ?? 'Default');
  const [counts, setCounts] = useDraft<Record<string, string>>('authority.reserve-counts', {});
  const [issued, setIssued] = useState<IssuedView | null>(null);
  const chosen = Object.fromEntries(
    Object.entries(counts)
      .filter(([, v]) => Number(v) > 0)
      .map(([k, v]) => [k, Number(v)]),
  );
  const onRequest = useCallback((v: string) => {
    setRequest(v);
  }, []);
  const restart = () => {
    setStep(1);
    setRequest('');
    setInspection(null);
    setCounts({});
    setIssued(null);
    act.setError(null);
  };
  return (
    <div className="wizard">
      <h3>Smart License Reservation</h3>
      <ol className="wizard-steps">
        {WIZARD.map((t, i) => (
          <li key={t} aria-current={step === i + 1 ? 'step' : undefined} className={step > i + 1 ? 'done' : ''}>
            STEP {i + 1}: {t}
          </li>
        ))}
      </ol>
      {step === 1 && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void act.run(async () => {
              setInspection(await call('authorityInspectRequest', request));
              setStep(2);
            });
          }}
        >
          <CodeInput kind="request" value={request} onChange={onRequest} error={act.error} rows={3} />
          <button type="submit" className="primary" disabled={act.busy || !request.trim()}>
            Next
          </button>
        </form>
      )}
      {step === 2 && inspection && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setStep(3);
          }}
        >
          <dl className="facts">
            <div>
              <dt>Product type</dt>
              <dd>{inspection.productType}</dd>
            </div>
            <div>
              <dt>UDI PID</dt>
              <dd>{inspection.product}</dd>
            </div>
            <div>
              <dt>UDI serial number</dt>
              <dd>{inspection.sn}</dd>
            </div>
            <div>
              <dt>UDI</dt>
              <dd>
                <code>{inspection.udi}</code>
              </dd>
            </div>
          </dl>
          <label htmlFor="wiz-account">Virtual account</label>
          <select id="wiz-account" value={account} onChange={(e) => setAccount(e.target.value)}>
            {view.accounts.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
          <table>
            <caption>Licenses to reserve (only from surplus)</caption>
            <thead>
              <tr>
                <th scope="col">License</th>
                <th scope="col">Level</th>
                <th scope="col">Available</th>
                <th scope="col">Reserve</th>
              </tr>
            </thead>
            <tbody>
              {inspection.licenses.map((l) => (
                <tr key={l.short}>
                  <td>
                    <label htmlFor={`wiz-${l.short}`}>{l.displayName}</label>
                  </td>
                  <td>{l.level ?? '-'}</td>
                  <td>{l.available[account] ?? 0}</td>
                  <td>
                    <input
                      id={`wiz-${l.short}`}
                      type="number"
                      min={0}
                      max={l.available[account] ?? 0}
                      value={counts[l.short] ?? '0'}
                      onChange={(e) => setCounts({ ...counts, [l.short]: e.target.value })}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="actions">
            <button type="button" onClick={() => void setStep(1)}>
              Back
            </button>
            <button type="submit" className="primary" disabled={Object.keys(chosen).length === 0}>
              Next
            </button>
          </div>
        </form>
      )}
      {step === 3 && inspection && (
        <div>
          <p>
            Reserve for <code>{inspection.udi}</code> from virtual account <strong>{account}</strong>:
          </p>
          <ul>
            {Object.entries(chosen).map(([k, v]) => (
              <li key={k}>
                {v} × {inspection.licenses.find((l) => l.short === k)?.displayName ?? k}
              </li>
            ))}
          </ul>
          <ErrorNotice error={act.error} />
          <div className="actions">
            <button type="button" onClick={() => void setStep(2)}>
              Back
            </button>
            <button
              type="button"
              className="primary"
              disabled={act.busy}
              onClick={() =>
                void act.run(async () => {
                  setIssued(await call('authorityReserve', { account, request, licenses: chosen }));
                  setStep(4);
                  await refresh();
                })
              }
            >
              Generate Authorization Code
            </button>
          </div>
        </div>
      )}
      {step === 4 && issued && (
        <div>
          <Notice kind="success" title="The Reservation Authorization Code below has been generated for this product instance.">
            Carry it to the product instance and install it there (“Install authorization code” on its Reservation tab) to complete the reservation.
          </Notice>
          <CodeBox kind="authorization" code={issued.code} sn={issued.sn} />
          <button type="button" onClick={restart}>
            Reserve for another product instance
          </button>
        </div>
      )}
    </div>
  );
}

function KeysPanel({ view, refresh }: { view: Ready; refresh: Refresh }) {
  const act = useAction();
  const [note, setNote] = useState<string | null>(null);
  return (
    <div>
      <p>Devices install only codes signed by a key they trust: export the active key and add it on each device (its Settings tab).</p>
      <table>
        <caption>Signing keys</caption>
        <thead>
          <tr>
            <th scope="col">Key id</th>
            <th scope="col">Created</th>
            <th scope="col">Retired</th>
            <th scope="col">Signs new codes</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {view.keys.map((k) => (
            <tr key={k.id}>
              <td>
                <code>{k.id}</code>
              </td>
              <td>{formatInstant(k.createdAt)}</td>
              <td>{k.retiredAt ? formatInstant(k.retiredAt) : '-'}</td>
              <td>{k.active ? 'Yes' : 'No'}</td>
              <td>
                {!k.retiredAt && !k.active && (
                  <button
                    type="button"
                    disabled={act.busy}
                    onClick={() =>
                      void act.run(async () => {
                        await call('authorityKeyRetire', k.id);
                        setNote(`Key ${k.id} retired.`);
                        await refresh();
                      })
                    }
                  >
                    Retire {k.id}
                  </button>
                )}
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
              const p = await call('fileSavePublicKey');
              setNote(p ? `Public key saved to ${p}.` : null);
            })
          }
        >
          Export public key…
        </button>
        <button
          type="button"
          disabled={act.busy}
          onClick={() =>
            void act.run(async () => {
              const r = await call('authorityKeyAdd');
              setNote(`Key ${r.keyId} added: it signs new codes from now on.`);
              await refresh();
            })
          }
        >
          Add a new signing key
        </button>
      </div>
      {note && <Notice kind="success">{note}</Notice>}
      <ErrorNotice error={act.error} />
    </div>
  );
}
