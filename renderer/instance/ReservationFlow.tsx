import { UsageReports } from './UsageReports.tsx';
import { useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { InstanceView } from '../../shared/bridge.ts';
import type { BridgeCommand, ReservationCommand } from '../../shared/instance/command-table.ts';
import { flowInputOf, operatorFlow, type FlowStep, type FlowStepId } from '../../shared/instance/operator-flow.ts';
import { call } from '../bridge.ts';
import { CodeBox } from '../components/CodeBox.tsx';
import { ErrorNotice, Notice, TrustLink } from '../components/Notice.tsx';
import { OpenTrustSettings } from '../components/nav.ts';
import { useAction } from '../components/useAction.ts';
import { Compliance } from './Compliance.tsx';
import { InstallForm } from './InstallForm.tsx';
import { Unavailable } from './Unavailable.tsx';
import { ConfirmButton } from '../components/Confirm.tsx';
import { formatWhen } from '../components/format.ts';

type Existing = Extract<InstanceView, { exists: true }>;
type Act = ReturnType<typeof useAction>;

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

/** Return, asked first: it removes the reservation from this device. */
function ReturnControl({ view, act, command }: { view: Existing; act: Act; command: (c: 'return') => void }) {
  if (!view.availability.return.allowed) return <Unavailable a={view.availability.return} />;
  return (
    <ConfirmButton
      label="Return reservation…"
      title="Return the reservation?"
      verb="Return the reservation"
      keep="Keep the reservation"
      busy={act.busy}
      onConfirm={() => command('return')}
    >
      <p>
        The licenses are removed from this device now, and evaluation resumes with the days left. Carry the return code it makes to License Central, which then
        gives the licenses back to the pool.
      </p>
    </ConfirmButton>
  );
}

/** A code to carry, with the result of what made it beside it (what to do with it is said once, in "Next:"). */
function Carry({ message, children }: { message: string | null; children: ReactNode }) {
  return (
    <div className="carry">
      {message && <Notice kind="success">{message.replace(/:\s*$/, '.')}</Notice>}
      {children}
    </div>
  );
}

type FlowCommand = Extract<BridgeCommand, { type: ReservationCommand }>['type'];

/** What each step's body needs: the view, the current step, the last result, and the ways to act. */
interface StepContext {
  readonly view: Existing;
  readonly current: FlowStepId | null;
  readonly message: string | null;
  readonly act: Act;
  readonly command: (type: FlowCommand) => void;
  readonly done: (message: string) => Promise<void>;
}

function RequestBody({ view, current, message, act, command }: StepContext) {
  const a = view.availability;
  const openTrust = useContext(OpenTrustSettings);
  return (
    <>
      <Unavailable a={a.request} />
      {a.request.allowed && view.trustedKeys.length === 0 && (
        <Notice kind="warning" title="This device trusts no License Central key yet">
          The authorization code License Central gives back for this request will not install until its key file is added here. Add it first.
          {openTrust && <TrustLink open={openTrust} />}
        </Notice>
      )}
      {current === 'request' && message && <Notice kind="success">{message}</Notice>}
      <div className="actions">
        <button type="button" className={current === 'request' ? 'primary' : ''} disabled={act.busy || !a.request.allowed} onClick={() => command('request')}>
          {current === 'install' ? 'Show the request code again' : 'Generate request code'}
        </button>
      </div>
    </>
  );
}

function InstallBody({ view, current, message, act, command, done }: StepContext) {
  const s = view.status;
  return (
    <>
      {current === 'install' && view.lastRequest && (
        <Carry message={message}>
          <CodeBox kind="request" code={view.lastRequest.code} sn={s.sn} udi={s.udi} caption={`Generated ${formatWhen(view.lastRequest.at)}.`} />
        </Carry>
      )}
      {current !== 'install' && <p>To update the reservation, install the new authorization code from License Central.</p>}
      <InstallForm view={view} done={done} />
      {view.availability.cancel.allowed && (
        <div className="actions">
          <ConfirmButton
            label="Cancel request…"
            title="Cancel the reservation request?"
            verb="Cancel the request"
            keep="Keep the request"
            busy={act.busy}
            onConfirm={() => command('cancel')}
          >
            <p>
              Its request code will no longer lead anywhere: an authorization code License Central issues for it is refused here. If License Central already
              reserved licenses for it, they stay held there until an administrator removes that reservation. To start again, generate a new request code.
            </p>
          </ConfirmButton>
        </div>
      )}
    </>
  );
}

function ConfirmationBody({ view, message }: StepContext) {
  if (!view.lastConfirmation) return null;
  return (
    <Carry message={message}>
      <CodeBox
        kind="confirmation"
        code={view.lastConfirmation.code}
        sn={view.status.sn}
        udi={view.status.udi}
        caption={`For the code issued ${formatWhen(Number(view.lastConfirmation.timestamp))}.`}
      />
      <Compliance view={view} />
    </Carry>
  );
}

function ReturnBody({ view, current, message, act, command }: StepContext) {
  if (current === 'return' && view.lastReturn)
    return (
      <Carry message={message}>
        <CodeBox kind="return" code={view.lastReturn.code} sn={view.status.sn} udi={view.status.udi} caption={`Generated ${formatWhen(view.lastReturn.at)}.`} />
      </Carry>
    );
  return <ReturnControl view={view} act={act} command={command} />;
}

/** The body of each step, keyed by step. */
function stepBodies(ctx: StepContext): Record<FlowStepId, ReactNode> {
  return {
    request: <RequestBody {...ctx} />,
    install: <InstallBody {...ctx} />,
    installed: (
      <>
        {ctx.current === 'installed' && ctx.message && <Notice kind="success">{ctx.message}</Notice>}
        <Compliance view={ctx.view} />
      </>
    ),
    confirmation: <ConfirmationBody {...ctx} />,
    return: <ReturnBody {...ctx} />,
  };
}

/** Why a step that is not open cannot be taken now, keyed by step. */
function whyNotOf({ availability: a }: Existing): Record<FlowStepId, ReactNode> {
  return {
    request: <Unavailable a={a.request} />,
    install: <Unavailable a={a.install} />,
    installed: <p className="unavailable">No reservation is installed.</p>,
    confirmation: <p className="unavailable">A confirmation code comes with each update installed after the first reservation.</p>,
    return: <Unavailable a={a.return} />,
  };
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
  const command = (type: FlowCommand) => void act.run(async () => done((await call('instanceCommand', { type })).message));
  const ctx: StepContext = { view, current: flow.current, message, act, command, done };
  const bodies = stepBodies(ctx);
  const whyNot = whyNotOf(view);
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
      <UsageReports view={view} refresh={refresh} />
    </div>
  );
}
