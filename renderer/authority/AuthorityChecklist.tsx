/**
 * A new License Central's first steps (issue 25, item 2): created; its signing keys protected; its public key
 * handed to the devices (the export is in the log); the licenses bought added; the first device served. Its
 * own ledger only (a server's administrators set theirs up there). Hidden once all are done, or once it serves devices.
 */
import type { AuthorityView } from '../../shared/bridge.ts';
import { Checklist, type ChecklistStep } from '../components/Checklist.tsx';

type Ready = Extract<AuthorityView, { initialized: true }>;
export type AuthoritySection = 'licenses' | 'instances' | 'reserve' | 'usage' | 'tokens' | 'webhooks' | 'satellites' | 'events' | 'keys';

const PROTECTION: Record<Ready['keyProtection'], string> = {
  plaintext: '',
  passphrase: 'Encrypted with a passphrase.',
  'os-store': 'Sealed by this computer’s secret store.',
  server: 'Kept by the server.',
};

/** The steps, from the view: data, so that what "done" means is in one place. */
export function authoritySteps(view: Ready, go: (s: AuthoritySection) => void): ChecklistStep[] {
  const active = view.keys.find((k) => k.active)?.id ?? '';
  // Exported from the app: the export is in the log (the list is not shown once devices are served).
  const exported = view.events.some((e) => e.type === 'key-export' && e.message.includes(` ${active} `));
  const to = (label: string, s: AuthoritySection) => ({ label, run: () => go(s) });
  return [
    { title: 'Create License Central', done: true, text: `Smart account “${view.smartAccount}”, virtual account “Default”.` },
    {
      title: 'Protect the signing keys',
      done: view.keyProtection !== 'plaintext',
      text:
        view.keyProtection === 'plaintext'
          ? 'They are stored unencrypted: whoever can read this data directory can sign codes. Encrypt them with a passphrase.'
          : PROTECTION[view.keyProtection],
      go: to('Open Signing Keys', 'keys'),
    },
    {
      title: 'Give the devices License Central’s key',
      done: exported,
      text: exported
        ? `Devices add the key file of ${active} in their Settings tab.`
        : 'Export the public key file (“Export public key…”) and add it on each device (its Settings tab): no code signed here installs without it.',
      go: to('Open Signing Keys', 'keys'),
    },
    view.satelliteOf
      ? {
          title: 'Receive licenses from the parent',
          done: view.licenses.length > 0,
          text: `The parent “${view.satelliteOf.parent}” allocates them; they arrive at the next synchronisation (Satellites tab).`,
          go: to('Open Satellites', 'satellites'),
        }
      : {
          title: 'Add the licenses you bought',
          done: view.licenses.length > 0,
          text: view.licenses.length > 0 ? 'Licenses added.' : 'Each purchase, with its count, PERPETUAL or TERM (Licenses tab, “Add licenses…”).',
          go: to('Open Licenses', 'licenses'),
        },
    {
      title: 'Serve the first device',
      done: view.instanceCount > 0,
      text: 'Reserve licenses for a device’s request code (License Reservation tab), or create a registration token for devices online (Tokens tab).',
      go: to('Open License Reservation', 'reserve'),
    },
  ];
}

export function AuthorityChecklist({ view, go }: { view: Ready; go: (s: AuthoritySection) => void }) {
  // A License Central that serves devices is set up (unencrypted keys stay warned about in Signing Keys).
  if (view.connection || view.instanceCount > 0) return null;
  return <Checklist id="authority-setup-title" title="Set up License Central" steps={authoritySteps(view, go)} />;
}
