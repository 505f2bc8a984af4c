import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { CodeInspection, InstanceView } from '../../shared/bridge.ts';
import type { BridgeCommand, ReservationCommand } from '../../shared/instance/command-table.ts';
import { flowInputOf, operatorFlow, type FlowStep, type FlowStepId } from '../../shared/instance/operator-flow.ts';
import { formatInstant } from '../../shared/codes/dates.ts';
import { call } from '../bridge.ts';
import { CodeBox } from '../components/CodeBox.tsx';
import { CodeInput } from '../components/CodeInput.tsx';
import { CommandText } from '../components/CommandText.tsx';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import { useDraft } from '../components/useDraft.ts';
import { Inspection } from './Inspection.tsx';
import { Compliance } from './Compliance.tsx';

type Existing = Extract<InstanceView, { exists: true }>;
type Availability = Existing['availability'][ReservationCommand];
type Act = ReturnType<typeof useAction>;

function Unavailable({ a }: { a: Availability }) {
  if (a.allowed) return null;
  return (
    <p className="unavailable">
      <strong>Not available now:</strong> <CommandText text={a.why} /> <CommandText text={a.hint} />
    </p>
  );
}

/**
 * One step of the flow. The current one is open and takes the focus when it becomes current; done and
 * available ones are closed, one click from their codes and actions; unavailable ones say why.
 */
function Step({ n, step, focus, why, children }: { n: number; step: FlowStep; focus: boolean; why: ReactNode; children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const current = step.state === 'current';
  useEffect(() => {
    if (current && focus) heading.current?.focus();
  }, [current, focus]);
  const shown = current || (open && step.state !== 'unavailable');
  return (
    <li className={`step step-${step.state}`} aria-current={current ? 'step' : undefined} data-step={step.id}>
      <h3 ref={heading} tabIndex={-1}>
        <span className="step-n" aria-hidden="true">
          {n}
        </span>{' '}
        {step.title}
        {step.state === 'done' && <span className="visually-hidden"> (done)</span>}
        {!current && step.state !== 'unavailable' && (
          <button type="button" className="link step-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? 'Hide' : step.state === 'done' ? 'Show' : 'Open'}
          </button>
        )}
      </h3>
      {shown && children}
      {step.state === 'unavailable' && why}
    </li>
  );
}

/** Paste or open an authorization code, check it, then install it (or give it back without installing). */
function InstallForm({ view, done }: { view: Existing; done: (message: string) => Promise<void> }) {
  const a = view.availability;
  const act = useAction();
  const [code, setCode] = useDraft('instance.authorization-code', '');
  const [inspection, setInspection] = useState<CodeInspection | null>(null);
  const onCode = useCallback(
    (v: string) => {
      setCode(v);
      setInspection(null);
      act.setError(null);
    },
    [act.setError, setCode],
  );
  const finish = (run: () => Promise<{ message: string }>) =>
    void act.run(async () => {
      const r = await run();
      setCode('');
      setInspection(null);
      await done(r.message);
    });
  if (!a.install.allowed) return <Unavailable a={a.install} />;
  return (
    <>
      <CodeInput kind="authorization" value={code} onChange={onCode} error={inspection ? null : act.error} rows={5} />
      <div className="actions">
        <button
          type="button"
          className={inspection ? '' : 'primary'}
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
              onClick={() => finish(() => call('instanceInstall', code))}
            >
              Install authorization code
            </button>
            {a['return-authorization'].allowed && (
              <button type="button" disabled={act.busy} onClick={() => finish(() => call('instanceReturnAuthorization', code))}>
                Return it without installing
              </button>
            )}
          </div>
          <ErrorNotice error={act.error} />
        </Inspection>
      )}
    </>
  );
}

/** Return, asked twice: it removes the reservation from this device. */
function ReturnControl({ view, act, command }: { view: Existing; act: Act; command: (c: 'return') => void }) {
  const [sure, setSure] = useState(false);
  if (!view.availability.return.allowed) return <Unavailable a={view.availability.return} />;
  return sure ? (
    <div className="confirm" role="group" aria-label="Confirm return">
      <p>Remove the reservation from this device now? Evaluation resumes with the days left.</p>
      <button type="button" className="danger" disabled={act.busy} onClick={() => command('return')}>
        Yes, return the reservation
      </button>
      <button type="button" onClick={() => setSure(false)}>
        No
      </button>
    </div>
  ) : (
    <button type="button" disabled={act.busy} onClick={() => setSure(true)}>
      Return reservation…
    </button>
  );
}

/** A code to carry, with the result of what made it beside it. */
function Carry({ message, children, what }: { message: string | null; children: ReactNode; what: string }) {
  return (
    <div className="carry">
      {message && <Notice kind="success">{message.replace(/:\s*$/, '.')}</Notice>}
      <p className="carry-title">{what}</p>
      {children}
    </div>
  );
}

export function ReservationFlow({ view, refresh }: { view: Existing; refresh: () => Promise<unknown> }) {
  const [s, a, act] = [view.status, view.availability, useAction()];
  const [message, setMessage] = useState<string | null>(null);
  const [moved, setMoved] = useState(false);
  const flow = operatorFlow(flowInputOf(view));
  const done = async (m: string) => {
    setMessage(m);
    setMoved(true);
    await refresh();
  };
  const command = (type: Extract<BridgeCommand, { type: ReservationCommand }>['type']) =>
    void act.run(async () => done((await call('instanceCommand', { type })).message));
  const bodies: Record<FlowStepId, ReactNode> = {
    request: (
      <>
        <Unavailable a={a.request} />
        {flow.current === 'request' && message && <Notice kind="success">{message}</Notice>}
        <div className="actions">
          <button
            type="button"
            className={flow.current === 'request' ? 'primary' : ''}
            disabled={act.busy || !a.request.allowed}
            onClick={() => command('request')}
          >
            {flow.current === 'install' ? 'Show the request code again' : 'Generate request code'}
          </button>
        </div>
      </>
    ),
    install: (
      <>
        {flow.current === 'install' && view.lastRequest && (
          <Carry message={message} what="Carry this request code to License Central (License Reservation), then install the authorization code it gives you.">
            <CodeBox kind="request" code={view.lastRequest.code} sn={s.sn} udi={s.udi} caption={`Generated ${formatInstant(view.lastRequest.at)}.`} />
          </Carry>
        )}
        {flow.current !== 'install' && <p>To update the reservation, install the new authorization code from License Central.</p>}
        <InstallForm view={view} done={done} />
        {a.cancel.allowed && (
          <div className="actions">
            <button type="button" disabled={act.busy} onClick={() => command('cancel')}>
              Cancel request
            </button>
          </div>
        )}
      </>
    ),
    installed: (
      <>
        {flow.current === 'installed' && message && <Notice kind="success">{message}</Notice>}
        <Compliance view={view} />
      </>
    ),
    confirmation: view.lastConfirmation && (
      <Carry message={message} what="Carry this confirmation code to License Central, so that it releases the licenses held in transition.">
        <CodeBox
          kind="confirmation"
          code={view.lastConfirmation.code}
          sn={s.sn}
          udi={s.udi}
          caption={`For the code issued ${formatInstant(Number(view.lastConfirmation.timestamp))}.`}
        />
        <Compliance view={view} />
      </Carry>
    ),
    return: (
      <>
        {flow.current === 'return' && view.lastReturn ? (
          <Carry message={message} what="Carry this return code to License Central, so that it gives the licenses back to the pool.">
            <CodeBox kind="return" code={view.lastReturn.code} sn={s.sn} udi={s.udi} caption={`Generated ${formatInstant(view.lastReturn.at)}.`} />
          </Carry>
        ) : (
          <ReturnControl view={view} act={act} command={command} />
        )}
      </>
    ),
  };
  const whyNot: Record<FlowStepId, ReactNode> = {
    request: <Unavailable a={a.request} />,
    install: <Unavailable a={a.install} />,
    installed: <p className="unavailable">No reservation is installed.</p>,
    confirmation: <p className="unavailable">A confirmation code comes with each update installed after the first reservation.</p>,
    return: <Unavailable a={a.return} />,
  };
  return (
    <div>
      <div className="actions mode">
        {s.reservationEnabled ? (
          <button type="button" disabled={act.busy || !a.disable.allowed} onClick={() => command('disable')} title={a.disable.allowed ? '' : a.disable.why}>
            Disable license reservation
          </button>
        ) : (
          <button type="button" className="primary" disabled={act.busy} onClick={() => command('enable')}>
            Enable license reservation
          </button>
        )}
      </div>
      <p className="next-step" data-testid="next-step">
        <strong>Next:</strong> {flow.next}
      </p>
      {flow.current === null && message && <Notice kind="success">{message}</Notice>}
      <ol className="steps" aria-label="Reservation steps">
        {flow.steps.map((step, i) => (
          // Keyed by state too: a step that changes state starts closed again.
          <Step key={`${step.id}-${step.state}`} n={i + 1} step={step} focus={moved} why={whyNot[step.id]}>
            {bodies[step.id]}
          </Step>
        ))}
      </ol>
      <ErrorNotice error={act.error} />
    </div>
  );
}
