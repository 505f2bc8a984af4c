/**
 * A new product instance's first steps, each done or not at a glance and the next one obvious: trust License
 * Central's key first (without it, no code License Central signs installs here: found out after a whole
 * trip otherwise), then choose how the device gets its licenses, then get them. Hidden once all are done.
 */
import { useContext } from 'react';
import type { InstanceView } from '../../shared/bridge.ts';
import { REGISTRATION } from '../../shared/instance/state.ts';
import { OpenTrustSettings } from '../components/nav.ts';

type Existing = Extract<InstanceView, { exists: true }>;

interface SetupStep {
  readonly title: string;
  readonly done: boolean;
  /** What to do (not done) or what was done. */
  readonly text: string;
}

/** The steps, from the view: data, so that what "done" means is in one place. */
export function setupSteps(view: Existing): SetupStep[] {
  const s = view.status;
  const keys = view.trustedKeys.map((k) => k.id);
  const licensed = s.registration === REGISTRATION.registered || Boolean(s.online);
  return [
    {
      title: 'Trust your License Central’s signing key',
      done: keys.length > 0,
      text: keys.length
        ? `Trusted: ${keys.join(', ')}.`
        : 'License Central exports it as a .pem file (its Signing Keys tab, “Export public key…”). Add it here first: no code it signs installs without it.',
    },
    {
      title: 'Choose how this device gets its licenses',
      done: s.reservationEnabled || licensed,
      text: 'Specific License Reservation, with codes carried by hand (Reservation tab, “Enable license reservation”), or Smart Licensing online with a registration token (Smart Software Licensing tab).',
    },
    {
      title: 'Get the licenses',
      done: licensed,
      text: licensed
        ? 'Licensed.'
        : s.registration === REGISTRATION.inProgress
          ? 'Under way: the Reservation tab says what comes next.'
          : 'Generate a request code (Reservation tab), or register with a token (Smart Software Licensing tab).',
    },
  ];
}

export function SetupChecklist({ view }: { view: Existing }) {
  const openTrust = useContext(OpenTrustSettings);
  const steps = setupSteps(view);
  const next = steps.findIndex((st) => !st.done);
  if (next < 0) return null;
  return (
    <section className="card checklist" aria-labelledby="setup-title">
      <h2 id="setup-title">Set up this product instance</h2>
      <ol>
        {steps.map((st, i) => (
          <li key={st.title} className={st.done ? 'done' : i === next ? 'next' : undefined}>
            <strong>
              {st.done ? '✓ ' : ''}
              {st.title}
            </strong>
            {st.done && <span className="visually-hidden"> (done)</span>}
            {i === next && <span className="visually-hidden"> (next)</span>}
            <span> {st.text}</span>
            {i === next && i === 0 && openTrust && (
              <>
                {' '}
                <button type="button" className="link" onClick={openTrust}>
                  Open Settings to add it
                </button>
              </>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
