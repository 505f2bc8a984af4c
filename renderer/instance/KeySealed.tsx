/**
 * The device key is sealed by the desktop's secret store and that store no longer opens it (its keyring was
 * reset, or this data directory comes from another computer or user): nothing can be signed, so no code can
 * be made or installed. What happened, and the ways out, each saying what it keeps and what it costs.
 */
import { useState, type ReactNode } from 'react';
import type { StartOverDone } from '../../shared/bridge-device-state.ts';
import { call } from '../bridge.ts';
import { ConfirmStep } from '../components/Confirm.tsx';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';

interface Props {
  readonly problem: { readonly message: string; readonly hint: string };
  readonly udi: string;
  readonly refresh: () => Promise<unknown>;
  /** The state as last saved, shown below until the device starts over. */
  readonly children?: ReactNode;
}

export function KeySealed({ problem, udi, refresh, children }: Props) {
  const act = useAction();
  const [asking, setAsking] = useState(false);
  const [done, setDone] = useState<StartOverDone | null>(null);
  if (done) return <StartedOver done={done} refresh={refresh} />;
  return (
    <>
      <section className="card" aria-labelledby="key-sealed-title">
        <h2 id="key-sealed-title">This device’s key cannot be opened</h2>
        <Notice kind="error" title="Nothing can be signed: no code can be made or installed">
          <p>{problem.message}</p>
        </Notice>
        <p>What is shown below is as it was last saved; nothing was changed. Choose how to go on:</p>
        <ol className="ways-out">
          <li>
            <h3>Open it where it was made</h3>
            <p>
              Unlock the desktop’s keyring (log in again as the user who created this product instance, on the computer it was created on), then check again.
              Everything is kept.
            </p>
            <button type="button" disabled={act.busy} onClick={() => void act.run(refresh)}>
              Check again
            </button>
          </li>
          <li>
            <h3>Start over as a new product instance</h3>
            <p>
              A new UDI and device key, trusting the same License Central keys. Lost: the reservation and registration of <code>{udi}</code> (License Central
              must remove it to free its licenses) and what is left of evaluation. The old state is set aside, not deleted. A backup does not help here: it
              holds the same sealed key.
            </p>
            {asking ? (
              <ConfirmStep
                title={`Start over in place of ${udi}?`}
                verb="Start over"
                keep="Keep this instance"
                busy={act.busy}
                onKeep={() => setAsking(false)}
                onConfirm={() => void act.run(async () => setDone(await call('instanceStartOver')))}
              >
                The device gets a new identity. Until License Central removes {udi}, what it reserved for it stays counted there.
              </ConfirmStep>
            ) : (
              <button type="button" className="danger" disabled={act.busy} onClick={() => setAsking(true)}>
                Start over…
              </button>
            )}
          </li>
        </ol>
        <ErrorNotice error={act.error} />
      </section>
      {children}
    </>
  );
}

function StartedOver({ done, refresh }: { done: StartOverDone; refresh: () => Promise<unknown> }) {
  return (
    <section className="card" aria-labelledby="started-over-title">
      <h2 id="started-over-title">Started over as a new product instance</h2>
      <Notice kind="success" title={`The new UDI is ${done.udi}`}>
        <p>It trusts the same License Central keys and has no evaluation period. Make a request (Reservation tab) or register it, as for a new device.</p>
        <p>
          Tell License Central’s administrator: it still holds what it reserved for <code>{done.previousUdi}</code>, which can no longer make a return code.
          Remove that instance there to free its licenses.
        </p>
        <p>The old state was set aside as {done.setAside}, beside the new one: if its keyring comes back, it can be put back.</p>
      </Notice>
      <button type="button" className="primary" onClick={() => void refresh()}>
        Open the new product instance
      </button>
    </section>
  );
}
