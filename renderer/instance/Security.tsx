/**
 * Export-controlled functionality on the product instance: its active alarms on the status page, with what to
 * do (`Alarms`), and in Settings the product's secure mode (`SecuritySettings`: Unity Connection's encryption,
 * Unified CM's mixed mode), enabled only while export-controlled functionality is allowed, then Unified CM's SIP trunks and the cluster.
 */
import type { InstanceView } from '../../shared/bridge.ts';
import { SECURITY_MODES } from '../../shared/instance/security.ts';
import { call } from '../bridge.ts';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { CommandText } from '../components/CommandText.tsx';
import { SipTrunks } from './SipTrunks.tsx';
import { ClusterSettings } from './ClusterSettings.tsx';
import { useAction } from '../components/useAction.ts';
import { formatWhen } from '../components/format.ts';

type Existing = Extract<InstanceView, { exists: true }>;

export function Alarms({ view }: { view: Existing }) {
  const active = view.alarms.filter((a) => a.clearedAt === null);
  return (
    <>
      {active.map((a) => (
        <Notice key={`${a.name}-${a.raisedAt}`} kind="error" title={`Alarm ${a.name} (${a.severity}), raised ${formatWhen(a.raisedAt)}`}>
          <CommandText text={a.text} />
        </Notice>
      ))}
    </>
  );
}

export function SecuritySettings({ view, refresh }: { view: Existing; refresh: () => Promise<unknown> }) {
  const mode = SECURITY_MODES[view.status.product.id];
  const act = useAction();
  const set = (on: boolean) =>
    void act.run(async () => {
      await call('instanceSecurity', on);
      await refresh();
    });
  const s = view.security;
  const title = mode.what.charAt(0).toUpperCase() + mode.what.slice(1);
  return (
    <>
      <section aria-labelledby="security-title">
        <h3 id="security-title">{title}</h3>
        <p>
          {s.enabled ? `Enabled since ${formatWhen(s.since!)}.` : 'Disabled.'} Export-controlled functionality is {s.allowed ? 'allowed' : 'not allowed'}:{' '}
          {s.reason}. The command line’s <code>slr {s.enabled ? mode.disable : mode.enable}</code> does the same.
        </p>
        <div className="actions">
          {s.enabled ? (
            <button type="button" disabled={act.busy} onClick={() => set(false)}>
              Disable {mode.what}
            </button>
          ) : (
            <button type="button" disabled={act.busy || !s.allowed} onClick={() => set(true)}>
              Enable {mode.what}
            </button>
          )}
        </div>
        <ErrorNotice error={act.error} />
      </section>
      <SipTrunks view={view} refresh={refresh} />
      <ClusterSettings view={view} refresh={refresh} />
    </>
  );
}

/** A product instance in a cluster: what it is to the others, and on a subscriber the status as of the last contact. */
export function ClusterFacts({ view }: { view: Existing }) {
  const c = view.cluster;
  if (!c) return null;
  if (c.role === 'publisher')
    return (
      <p data-testid="cluster">
        Cluster publisher of {c.nodes.length} subscriber{c.nodes.length === 1 ? '' : 's'}
        {c.nodes.length ? ` (${c.nodes.map((n) => `${n.name}, last contact ${formatWhen(n.lastContact)}`).join('; ')})` : ''}: the usage shown is the whole
        cluster’s.
      </p>
    );
  return (
    <Notice kind="info" title={`Cluster subscriber “${c.name}” of ${c.publisherUdi}`}>
      <span data-testid="cluster">
        Only the publisher ({c.publisher}) talks to License Central. Last contact {formatWhen(c.lastContact)}; the licensing status then:{' '}
        {c.snapshot ? `${c.snapshot.registration}, ${c.snapshot.authorization}` : 'none yet'}.
      </span>
    </Notice>
  );
}
