import { useEffect, useState } from 'react';
import { lastWorkspace, rememberWorkspace, setDraft } from './components/useDraft.ts';
import { codeFieldOnScreen, DESTINATION, isBatch, kindOfFile } from './components/incoming-file.ts';
import { onFileDropped } from './bridge.ts';
import { Notice } from './components/Notice.tsx';
import { CODE_NAMES } from '../shared/code-kinds.ts';
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
  const arrived = useArrivals(setWorkspace);
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
      {arrived && (
        <div className="arrival">
          <Notice kind={arrived.kind === 'error' ? 'error' : 'info'} title={arrived.title}>
            {arrived.text}
          </Notice>
        </div>
      )}
      <main id="ws-panel" role="tabpanel" aria-labelledby={`ws-tab-${workspace}`}>
        {workspace === 'instance' ? <InstanceWorkspace /> : <AuthorityWorkspace />}
      </main>
    </>
  );
}

type Arrival = { kind: 'info' | 'error'; title: string; text: string };

const BATCH_WHERE = 'They are in the License Reservation tab’s “Many devices in one hand-off”: check them there.';

/**
 * A code file that arrived (dropped, or opened with the app) while no code field is on screen: put in the
 * field that takes it (its draft) and its workspace opened, or said where it goes; nothing is lost silently.
 */
function useArrivals(open: (w: 'instance' | 'authority') => void): Arrival | null {
  const [arrived, setArrived] = useState<Arrival | null>(null);
  useEffect(
    () =>
      onFileDropped((f) => {
        if (codeFieldOnScreen()) return setArrived(null);
        if ('error' in f) return setArrived({ kind: 'error', title: 'The file could not be read', text: f.error });
        if (isBatch(f)) {
          setDraft('authority.batch-requests', f.text);
          open('authority');
          return setArrived({ kind: 'info', title: `${f.name}: request codes of many devices`, text: BATCH_WHERE });
        }
        const kind = kindOfFile(f.name, f.text);
        if (!kind) return setArrived({ kind: 'error', title: `${f.name} is not a code SLR Desk knows`, text: 'Nothing was done with it.' });
        const to = DESTINATION[kind];
        if (to.draft) setDraft(to.draft, f.text.trim());
        open(to.workspace);
        setArrived({
          kind: 'info',
          title: `${f.name}: ${/^[aeiou]/.test(CODE_NAMES[kind]) ? 'an' : 'a'} ${CODE_NAMES[kind]}`,
          text: to.draft ? `It is in ${to.where}: check it there.` : `Enter it in ${to.where}.`,
        });
      }),
    [],
  );
  return arrived;
}
