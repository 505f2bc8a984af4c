/**
 * A new product instance's first steps, each done or not at a glance and the next one obvious: trust License
 * Central's key first (without it, no code License Central signs installs here: found out after a whole
 * trip otherwise), then choose how the device gets its licenses, then get them. Hidden once all are done.
 */
import { useContext } from 'react';
import type { InstanceView } from '../../shared/bridge.ts';
import { REGISTRATION } from '../../shared/instance/state.ts';
import { OpenTrustSettings } from '../components/nav.ts';
import { Checklist, type ChecklistStep } from '../components/Checklist.tsx';

type Existing = Extract<InstanceView, { exists: true }>;

type SetupStep = ChecklistStep;

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
  const steps = setupSteps(view).map((st, i) => (i === 0 && openTrust ? { ...st, go: { label: 'Open Settings to add it', run: openTrust } } : st));
  return <Checklist id="setup-title" title="Set up this product instance" steps={steps} />;
}
