/**
 * Updating a reservation, as the reservation wizard: choose the new counts beside what is reserved now and
 * what is free (checked as typed), review the change (taken from the pool, or held in transition until the
 * device's confirmation code comes back), then generate the code.
 */
import { useState } from 'react';
import type { InstanceLineView, IssuedView } from '../../shared/bridge.ts';
import { PRODUCTS } from '../../shared/catalog.ts';
import { countPlan, type CountPlan } from '../../shared/authority/count-plan.ts';
import { call } from '../bridge.ts';
import { ErrorNotice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import { CountInput, WizardSteps } from '../components/Wizard.tsx';
import type { Ready } from './types.ts';
import { counted } from '../../shared/lifetime.ts';

const STEPS = ['Select licenses', 'Review and confirm'] as const;

function SelectCounts({
  plan,
  available,
  counts,
  setCounts,
}: {
  plan: CountPlan;
  available: Readonly<Record<string, number>>;
  counts: Record<string, string>;
  setCounts: (c: Record<string, string>) => void;
}) {
  return (
    <table>
      <caption>New reservation, license by license</caption>
      <thead>
        <tr>
          <th scope="col">License</th>
          <th scope="col" className="num">
            Reserved now
          </th>
          <th scope="col" className="num">
            Available
          </th>
          <th scope="col">New count</th>
        </tr>
      </thead>
      <tbody>
        {plan.lines.map((l) => (
          <tr key={l.short}>
            <td>
              <label htmlFor={`upd-${l.short}`}>{l.displayName}</label>
            </td>
            <td className="num">{l.now}</td>
            <td className="num">{available[l.short] ?? 0}</td>
            <td>
              <CountInput
                id={`upd-${l.short}`}
                value={counts[l.short] ?? String(l.now)}
                problem={l.problem}
                onChange={(v) => setCounts({ ...counts, [l.short]: v })}
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Review({ plan, udi, account }: { plan: CountPlan; udi: string; account: string }) {
  const changes = plan.lines.filter((l) => l.change !== 0);
  return (
    <>
      <p>
        Update the reservation of <code>{udi}</code> in virtual account <strong>{account}</strong>:
      </p>
      <table>
        <caption>The change</caption>
        <thead>
          <tr>
            <th scope="col">License</th>
            <th scope="col" className="num">
              Now
            </th>
            <th scope="col" className="num">
              After
            </th>
            <th scope="col">What happens</th>
          </tr>
        </thead>
        <tbody>
          {changes.map((l) => (
            <tr key={l.short} data-change={l.short}>
              <td>{l.displayName}</td>
              <td className="num">{l.now}</td>
              <td className="num">{l.next}</td>
              <td>{l.change > 0 ? `${l.change} taken from the pool` : `${-l.change} held in transition until the device confirms`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {plan.toTransition > 0 && (
        <p className="help">
          The device shows a confirmation code when it installs this update; enter it here (Enter Confirmation Code) to release the{' '}
          {counted(plan.toTransition, 'license')} in transition.
        </p>
      )}
    </>
  );
}

/** The licenses the instance's product can reserve. */
const reservableOf = (instance: InstanceLineView) => PRODUCTS.find((p) => instance.udi.startsWith(`P:${p.id},`))!.entitlements.filter((e) => e.reservable);

export function UpdateWizard({
  instance,
  view,
  onIssued,
}: {
  instance: InstanceLineView;
  view: Ready;
  onIssued: (r: IssuedView, message: string) => Promise<void>;
}) {
  const act = useAction();
  const [step, setStep] = useState<1 | 2>(1);
  const [counts, setCounts] = useState<Record<string, string>>({});
  const available = Object.fromEntries(view.licenses.filter((l) => l.account === instance.account).map((l) => [l.short, l.available]));
  const plan = countPlan(
    reservableOf(instance).map((e) => ({
      short: e.short,
      displayName: e.displayName,
      now: instance.reserved[e.short] ?? 0,
      available: available[e.short] ?? 0,
      asked: counts[e.short] ?? '',
    })),
  );
  const generate = () =>
    void act.run(async () => {
      const r = await call('authorityUpdate', { instance: instance.sn, licenses: plan.changed });
      await onIssued(
        r,
        r.inTransition
          ? `${counted(r.inTransition, 'license')} ${r.inTransition === 1 ? 'stays' : 'stay'} in transition until the device's confirmation code is entered.`
          : 'Reservation updated.',
      );
    });
  return (
    <div className="wizard">
      <WizardSteps steps={STEPS} step={step} />
      {step === 1 ? (
        <SelectCounts plan={plan} available={available} counts={counts} setCounts={setCounts} />
      ) : (
        <Review plan={plan} udi={instance.udi} account={instance.account} />
      )}
      <ErrorNotice error={act.error} />
      <div className="actions">
        {step === 2 && (
          <button type="button" onClick={() => setStep(1)}>
            Back
          </button>
        )}
        {step === 1 ? (
          <button type="button" className="primary" disabled={!plan.ok} onClick={() => setStep(2)}>
            Review
          </button>
        ) : (
          <button type="button" className="primary" disabled={act.busy} onClick={generate}>
            Generate authorization code
          </button>
        )}
      </div>
    </div>
  );
}
