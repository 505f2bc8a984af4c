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
import { DeviceStateNotice, Notice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import { useDraft } from '../components/useDraft.ts';
import { WizardSteps } from '../components/Wizard.tsx';
import type { Ready, Refresh } from './types.ts';
import { LicensesStep, Review } from './ReserveSteps.tsx';

type WizardStep = 1 | 2 | 3 | 4;

const WIZARD = ['Enter Request Code', 'Select Licenses', 'Review and confirm', 'Authorization Code'];

/** The counts asked, checked as typed: a count that is not one, or more than the account has free, is said under its field. */
function usePlan(inspection: RequestInspection | null, account: string, counts: Readonly<Record<string, string>>) {
  const plan = countPlan(
    (inspection?.licenses ?? []).map((l) => ({
      short: l.short,
      displayName: l.displayName,
      now: 0,
      available: l.available[account] ?? 0,
      asked: counts[l.short] ?? '',
    })),
  );
  return { plan, chosen: plan.changed, problemOf: (short: string) => plan.lines.find((l) => l.short === short)?.problem ?? null };
}

/** Step 1: the request code, pasted or opened, then inspected. */
function RequestStep({
  request,
  onRequest,
  act,
  next,
}: {
  request: string;
  onRequest: (v: string) => void;
  act: ReturnType<typeof useAction>;
  next: () => void;
}) {
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        next();
      }}
    >
      <CodeInput kind="request" value={request} onChange={onRequest} error={act.error} rows={3} />
      <button type="submit" className="primary" disabled={act.busy || !request.trim()}>
        Next
      </button>
    </form>
  );
}

/** Step 4: the authorization code, to carry to the device. */
function IssuedStep({ issued, restart }: { issued: IssuedView; restart: () => void }) {
  return (
    <div>
      <Notice kind="success" title="The Reservation Authorization Code below has been generated for this product instance.">
        Carry it to the product instance and install it there (“Install authorization code” on its Reservation tab) to complete the reservation.
      </Notice>
      <CodeBox kind="authorization" code={issued.code} sn={issued.sn} />
      <DeviceStateNotice warnings={issued.warnings} />
      <button type="button" onClick={restart}>
        Reserve for another product instance
      </button>
    </div>
  );
}

/** The wizard's state: the step, the request (a draft), what it names, the account, the counts (a draft), the code issued. */
function useReserveState(view: Ready) {
  const act = useAction();
  const [step, setStep] = useState<WizardStep>(1);
  const [request, setRequest] = useDraft('authority.request-code', '');
  const [inspection, setInspection] = useState<RequestInspection | null>(null);
  const [account, setAccount] = useState(view.accounts[0] ?? 'Default');
  const [counts, setCounts] = useDraft<Record<string, string>>('authority.reserve-counts', {});
  const [issued, setIssued] = useState<IssuedView | null>(null);
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
  return { act, step, setStep, request, onRequest, inspection, setInspection, account, setAccount, counts, setCounts, issued, setIssued, restart };
}

export function ReserveWizard({ view, refresh }: { view: Ready; refresh: Refresh }) {
  const { act, step, setStep, request, onRequest, inspection, setInspection, account, setAccount, counts, setCounts, issued, setIssued, restart } =
    useReserveState(view);
  const { plan, chosen, problemOf } = usePlan(inspection, account, counts);
  return (
    <div className="wizard">
      <h3>Smart License Reservation</h3>
      <WizardSteps steps={WIZARD} step={step} />
      {step === 1 && (
        <RequestStep
          request={request}
          onRequest={onRequest}
          act={act}
          next={() =>
            void act.run(async () => {
              setInspection(await call('authorityInspectRequest', request));
              setStep(2);
            })
          }
        />
      )}
      {step === 2 && inspection && (
        <LicensesStep
          inspection={inspection}
          accounts={view.accounts}
          account={account}
          setAccount={setAccount}
          counts={counts}
          setCounts={setCounts}
          problemOf={problemOf}
          ok={plan.ok}
          back={() => setStep(1)}
          next={() => setStep(3)}
        />
      )}
      {step === 3 && inspection && (
        <Review
          inspection={inspection}
          account={account}
          chosen={chosen}
          act={act}
          back={() => setStep(2)}
          generate={() =>
            void act.run(async () => {
              setIssued(await call('authorityReserve', { account, request, licenses: chosen }));
              setStep(4);
              await refresh();
            })
          }
        />
      )}
      {step === 4 && issued && <IssuedStep issued={issued} restart={restart} />}
    </div>
  );
}
