import { useState } from 'react';
import { Tabs } from './components/Tabs.tsx';
import { InstanceWorkspace } from './instance/InstanceWorkspace.tsx';
import { AuthorityWorkspace } from './authority/AuthorityWorkspace.tsx';

type Workspace = 'instance' | 'authority';

export function App() {
  const [workspace, setWorkspace] = useState<Workspace>('instance');
  return (
    <>
      <header className="app-header">
        <h1>SLR Desk</h1>
        <Tabs<Workspace>
          label="Workspace"
          value={workspace}
          onChange={setWorkspace}
          items={[
            { value: 'instance', label: 'Product Instance' },
            { value: 'authority', label: 'License Authority' },
          ]}
          idPrefix="ws"
        />
      </header>
      <main id="ws-panel" role="tabpanel" aria-labelledby={`ws-tab-${workspace}`}>
        {workspace === 'instance' ? <InstanceWorkspace /> : <AuthorityWorkspace />}
      </main>
    </>
  );
}
