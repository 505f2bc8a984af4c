/**
 * A new reservation in four steps, as the seeds' License Reservation wizard: the request code, the licenses
 * (checked against what the virtual account has free, as typed), a review, and the authorization code.
 */
import { useCallback, useState } from 'react';
import type { IssuedView, RequestInspection } from '../../shared/bridge.ts';
import { countPlan } from '../../shared/authority/count-plan.ts';
import { call } from '../bridge.ts';
import { CodeBox } from '../components/CodeBox.tsx';
import { CodeInput } from '../components/CodeInput.tsx';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import { useDraft } from '../components/useDraft.ts';
import { CountInput, WizardSteps } from '../components/Wizard.tsx';
import type { Ready, Refresh } from './types.ts';

type WizardStep = 1 | 2 | 3 | 4;

/** Who asks: the product instance a request code names. */
function RequestFacts({ inspection }: { inspection: RequestInspection }) {
  return (
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
  );
}

const WIZARD = ['Enter Request Code', 'Select Licenses', 'Review and confirm', 'Authorization Code'];

export function ReserveWizard({ view, refresh }: { view: Ready; refresh: Refresh }) {
  const act = useAction();
  const [step, setStep] = useState<WizardStep>(1);
  const [request, setRequest] = useDraft('authority.request-code', '');
  const [inspection, setInspection] = useState<RequestInspection | null>(null);
  const [account, setAccount] = useState(view.accounts[0] ?? 'Default');
  const [counts, setCounts] = useDraft<Record<string, string>>('authority.reserve-counts', {});
  const [issued, setIssued] = useState<IssuedView | null>(null);
  // Checked as typed: a count that is not one, or more than the account has free, is said under its field.
  const plan = countPlan(
    (inspection?.licenses ?? []).map((l) => ({
      short: l.short,
      displayName: l.displayName,
      now: 0,
      available: l.available[account] ?? 0,
      asked: counts[l.short] ?? '',
    })),
  );
  const chosen = plan.changed;
  const problemOf = (short: string) => plan.lines.find((l) => l.short === short)?.problem ?? null;
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
      <WizardSteps steps={WIZARD} step={step} />
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
          <RequestFacts inspection={inspection} />
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
                  <td className="num">{l.available[account] ?? 0}</td>
                  <td>
                    <CountInput
                      id={`wiz-${l.short}`}
                      value={counts[l.short] ?? '0'}
                      problem={problemOf(l.short)}
                      onChange={(v) => setCounts({ ...counts, [l.short]: v })}
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
            <button type="submit" className="primary" disabled={!plan.ok}>
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
