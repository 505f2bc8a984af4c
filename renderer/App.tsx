import { useState } from 'react';
import { lastWorkspace, rememberWorkspace } from './components/useDraft.ts';
import { Tabs } from './components/Tabs.tsx';
import { InstanceWorkspace } from './instance/InstanceWorkspace.tsx';
import { AuthorityWorkspace } from './authority/AuthorityWorkspace.tsx';

const WORKSPACES = ['instance', 'authority'] as const;
type Workspace = (typeof WORKSPACES)[number];

export function App() {
  // The app opens where it was left: on the authority's machine, on License Authority.
  const [workspace, setWorkspaceState] = useState<Workspace>(() => lastWorkspace(WORKSPACES) ?? 'instance');
  const setWorkspace = (w: Workspace) => {
    rememberWorkspace(w);
    setWorkspaceState(w);
  };
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
