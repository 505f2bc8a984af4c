/** The install step's form: an authorization code pasted or opened, inspected, then installed or returned unused. */
import { useCallback, useState } from 'react';
import type { CodeInspection, InstanceView } from '../../shared/bridge.ts';
import { call } from '../bridge.ts';
import { CodeInput } from '../components/CodeInput.tsx';
import { ErrorNotice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import { useDraft } from '../components/useDraft.ts';
import { Inspection } from './Inspection.tsx';
import { Unavailable } from './Unavailable.tsx';

type Existing = Extract<InstanceView, { exists: true }>;

/** Paste or open an authorization code, check it, then install it (or give it back without installing). */
export function InstallForm({ view, done }: { view: Existing; done: (message: string) => Promise<void> }) {
  const a = view.availability;
  const act = useAction();
  const [code, setCode] = useDraft('instance.authorization-code', '');
  const [inspection, setInspection] = useState<CodeInspection | null>(null);
  const onCode = useCallback(
    (v: string) => {
      setCode(v);
      setInspection(null);
      act.setError(null);
    },
    [act.setError, setCode],
  );
  const finish = (run: () => Promise<{ message: string }>) =>
    void act.run(async () => {
      const r = await run();
      setCode('');
      setInspection(null);
      await done(r.message);
    });
  if (!a.install.allowed) return <Unavailable a={a.install} />;
  return (
    <>
      <CodeInput kind="authorization" value={code} onChange={onCode} error={inspection ? null : act.error} rows={5} device={view.status.udi} />
      <div className="actions">
        <button
          type="button"
          className={inspection ? '' : 'primary'}
          disabled={act.busy || !code.trim()}
          onClick={() => void act.run(async () => setInspection(await call('instanceInspect', code)))}
        >
          Check code
        </button>
      </div>
      {inspection && (
        <Inspection inspection={inspection}>
          <div className="actions">
            <button
              type="button"
              className="primary"
              disabled={act.busy || inspection.problems.length > 0}
              onClick={() => finish(() => call('instanceInstall', code))}
            >
              Install authorization code
            </button>
            {a['return-authorization'].allowed && (
              <button type="button" disabled={act.busy} onClick={() => finish(() => call('instanceReturnAuthorization', code))}>
                Return it without installing
              </button>
            )}
          </div>
          <ErrorNotice error={act.error} />
        </Inspection>
      )}
    </>
  );
}
