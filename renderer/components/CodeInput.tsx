import { useEffect, useId } from 'react';
import { codeTitle, type CodeKind } from '../../shared/code-kinds.ts';
import { call, onFileDropped } from '../bridge.ts';
import { useAction } from './useAction.ts';
import { ErrorNotice } from './Notice.tsx';

/**
 * Where a code comes in: pasted or typed, loaded from a file (native dialog), or dropped onto the window
 * (read by the main process). Errors about the code are shown right under it.
 */
export function CodeInput({
  kind,
  value,
  onChange,
  error,
  rows = 4,
  acceptDrops = true,
}: {
  kind: CodeKind;
  value: string;
  onChange: (v: string) => void;
  error?: { message: string; hint?: string } | null;
  rows?: number;
  acceptDrops?: boolean;
}) {
  const id = useId();
  const file = useAction();
  useEffect(() => {
    if (!acceptDrops) return;
    return onFileDropped((f) => {
      if ('error' in f) file.setError({ message: f.error });
      else onChange(f.text.trim());
    });
  }, [acceptDrops, onChange, file.setError]);
  return (
    <div className="code-input">
      <label htmlFor={id}>{codeTitle(kind)}</label>
      <textarea
        id={id}
        rows={rows}
        value={value}
        spellCheck={false}
        autoComplete="off"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : `${id}-help`}
        onChange={(e) => onChange(e.target.value)}
        data-testid={`input-${kind}`}
      />
      <p id={`${id}-help`} className="help">
        Paste it, type it, open its file{acceptDrops ? ', or drop the file onto this window' : ''}.
      </p>
      <div className="actions">
        <button
          type="button"
          disabled={file.busy}
          onClick={() =>
            void file.run(async () => {
              const f = await call('fileOpenCode', kind);
              if (f) onChange(f.text.trim());
            })
          }
        >
          Open file…
        </button>
      </div>
      <ErrorNotice error={file.error} />
      <ErrorNotice error={error ?? null} id={`${id}-error`} />
    </div>
  );
}
