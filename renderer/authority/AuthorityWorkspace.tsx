import { useState } from 'react';
import { Tabs } from '../components/Tabs.tsx';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { CommandText } from '../components/CommandText.tsx';
import { EventTable } from '../components/EventTable.tsx';
import { useView } from '../components/useView.ts';
import { InstancesPanel } from './InstancesPanel.tsx';
import { ReserveWizard } from './ReserveWizard.tsx';
import { BatchReserve } from './BatchReserve.tsx';
import { LicensesPanel } from './LicensesPanel.tsx';
import { TokensPanel } from './TokensPanel.tsx';
import { WebhooksPanel } from './WebhooksPanel.tsx';
import { SatellitesPanel } from './SatellitesPanel.tsx';
import { UsageReportsPanel } from './UsageReportsPanel.tsx';
import { UnlockKeys } from './UnlockKeys.tsx';
import { ConnectionBar } from './ServerConnection.tsx';
import { AuthorityChecklist, type AuthoritySection } from './AuthorityChecklist.tsx';
import { CreateAuthority } from './CreateAuthority.tsx';
import { KeysPanel } from './KeysPanel.tsx';
import { formatCount } from '../components/format.ts';
import type { Ready, Refresh } from './types.ts';

export function AuthorityWorkspace() {
  const { view, refresh, error } = useView('authorityView');
  const [section, setSection] = useState<AuthoritySection>('licenses');

  if (!view)
    return (
      <div className="workspace">
        <ErrorNotice error={error} />
        {!error && <p>Loading…</p>}
      </div>
    );
  if (!view.initialized) return <CreateAuthority dir={view.dir} refresh={refresh} />;
  return (
    <div className="workspace">
      <AuthorityHeader view={view} refresh={refresh} />
      <AuthorityChecklist view={view} go={setSection} />
      <Tabs<AuthoritySection>
        label="License Central sections"
        idPrefix="la"
        value={section}
        onChange={setSection}
        items={[
          { value: 'licenses', label: 'Licenses' },
          { value: 'instances', label: 'Product Instances' },
          { value: 'reserve', label: 'License Reservation' },
          { value: 'usage', label: 'Usage Reports' },
          { value: 'tokens', label: 'Tokens' },
          { value: 'webhooks', label: 'Webhooks' },
          { value: 'satellites', label: 'Satellites' },
          { value: 'events', label: 'Event Log' },
          { value: 'keys', label: 'Signing Keys' },
        ]}
      />
      <section id="la-panel" role="tabpanel" aria-labelledby={`la-tab-${section}`} className="panel">
        {section === 'licenses' && <LicensesPanel view={view} refresh={refresh} />}
        {section === 'instances' && <InstancesPanel view={view} refresh={refresh} />}
        {section === 'reserve' && (
          <>
            <ReserveWizard view={view} refresh={refresh} />
            <BatchReserve view={view} refresh={refresh} />
          </>
        )}
        {section === 'usage' && <UsageReportsPanel view={view} refresh={refresh} />}
        {section === 'tokens' && <TokensPanel view={view} refresh={refresh} />}
        {section === 'webhooks' && <WebhooksPanel view={view} refresh={refresh} />}
        {section === 'satellites' && <SatellitesPanel view={view} refresh={refresh} />}
        {section === 'events' && <EventTable kind="authority" events={view.events} check={view.logCheck} />}
        {section === 'keys' && <KeysPanel view={view} refresh={refresh} showDevices={() => setSection('instances')} />}
      </section>
    </div>
  );
}

/** Which License Central this is, what it serves, the server it works on and what stops its keys from signing. */
function AuthorityHeader({ view, refresh }: { view: Ready; refresh: Refresh }) {
  return (
    <section className="card" aria-labelledby="sa-title">
      <h2 id="sa-title">License Central: {view.smartAccount}</h2>
      <p>
        {view.accounts.length} virtual account{view.accounts.length === 1 ? '' : 's'} · {formatCount(view.instanceCount)} product instance
        {view.instanceCount === 1 ? '' : 's'} with reserved licenses
        {view.satelliteOf && ` · satellite “${view.satelliteOf.name}” of “${view.satelliteOf.parent}” (${view.satelliteOf.mode})`}
      </p>
      {view.connection && <ConnectionBar connection={view.connection} refresh={refresh} />}
      {!view.keysUnlocked && <UnlockKeys refresh={refresh} />}
      {view.keysProblem && (
        <Notice kind="error" title="The signing keys cannot be opened on this computer: nothing can be signed">
          {view.keysProblem.split('\n').map((line) => (
            <p key={line}>
              <CommandText text={line} />
            </p>
          ))}
        </Notice>
      )}
    </section>
  );
}
