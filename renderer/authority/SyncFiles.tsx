/**
 * Sync files in the Satellites tab, handed over as codes are: one to carry (saved where the operator chooses,
 * or shown as QR parts when small enough) and one coming in (opened, dropped onto the window, pasted, or its
 * QR parts scanned in any order).
 */
import { useEffect, useId, useState } from 'react';
import type { SyncFileView } from '../../shared/bridge.ts';
import { parseSyncFile, syncFileFitsQr, type SyncKind } from '../../shared/authority/sync-file.ts';
import { call, onFileDropped } from '../bridge.ts';
import { codeFieldShown } from '../components/incoming-file.ts';
import { QrPartsStatus } from '../components/CodeInput.tsx';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { QrView } from '../components/QrView.tsx';
import { useAction } from '../components/useAction.ts';
import { formatCount } from '../components/format.ts';

/** What an action in the Satellites tab did, and the file it hands over: shown above the tab's forms until the next. */
export interface Handed {
  readonly kind: 'success' | 'warning';
  readonly title: string;
  readonly text: string;
  readonly file?: { readonly title: string; readonly caption: string; readonly file: SyncFileView };
}
export type Show = (h: Handed) => Promise<void>;

/** The last action's outcome, and its file to carry. */
export function HandedOver({ handed }: { handed: Handed }) {
  return (
    <div data-testid="handed">
      <Notice kind={handed.kind} title={handed.title}>
        {handed.text}
      </Notice>
      {handed.file && <SyncFileBox {...handed.file} />}
    </div>
  );
}

/** The kind of sync file a text is (null: none), so that a dropped file goes to the field that takes it. */
function syncKindOf(text: string): SyncKind | null {
  try {
    return parseSyncFile(text).kind;
  } catch {
    return null;
  }
}

const size = (text: string) => `${formatCount(Math.max(1, Math.round(new TextEncoder().encode(text).length / 1024)))} KiB`;

/** A sync file to carry: its name and size, Save to file…, and its QR parts when it is small enough. */
export function SyncFileBox({ title, file, caption }: { title: string; file: SyncFileView; caption: string }) {
  const id = useId();
  const act = useAction();
  const [saved, setSaved] = useState<string | null>(null);
  const [showQr, setShowQr] = useState(false);
  const qr = syncFileFitsQr(file.text);
  return (
    <section className="code-box" aria-labelledby={`${id}-title`} data-testid="sync-file">
      <h4 id={`${id}-title`}>{title}</h4>
      <p className="caption">{caption}</p>
      <p>
        <span className="mono">{file.name}</span> · {size(file.text)}
      </p>
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={act.busy}
          onClick={() => void act.run(async () => setSaved(await call('fileSaveSync', { name: file.name, text: file.text })))}
        >
          Save to file…
        </button>
        {qr && (
          <button type="button" aria-expanded={showQr} onClick={() => setShowQr(!showQr)}>
            {showQr ? 'Hide QR codes' : 'Show QR codes'}
          </button>
        )}
      </div>
      {!qr && <p className="help">Too large for QR codes: carry it as a file (a USB stick).</p>}
      {showQr && <QrView code={file.text.trim()} title={title} />}
      {saved && <Notice kind="success">Saved to {saved}.</Notice>}
      <ErrorNotice error={act.error} />
    </section>
  );
}

/**
 * A sync file coming in: opened or dropped (kept aside, never put in the field), pasted or scanned; `take`
 * applies it. A dropped file goes to the field whose `takesDropped` takes its kind (null: not a sync file).
 */
export function SyncFileInput(props: {
  label: string;
  action: string;
  take: (text: string) => Promise<void>;
  takesDropped: (kind: SyncKind | null) => boolean;
}) {
  const { label, action, take, takesDropped } = props;
  const id = useId();
  const [pasted, setPasted] = useState('');
  const [file, setFile] = useState<SyncFileView | null>(null);
  const act = useAction();
  useEffect(() => codeFieldShown('sync'), []);
  useEffect(
    () =>
      onFileDropped((f) => {
        if ('error' in f) return takesDropped(null) && act.setError({ message: f.error, hint: 'Open a larger sync file with “Open file…”.' });
        if (takesDropped(syncKindOf(f.text))) setFile(f);
      }),
    [act.setError, takesDropped],
  );
  const text = file?.text ?? pasted;
  const apply = () =>
    act.run(async () => {
      await take(text);
      setPasted('');
      setFile(null);
    });
  return (
    <div className="code-input">
      {file ? <p className="label">{label}</p> : <label htmlFor={id}>{label}</label>}
      {file ? (
        <p className="mono" data-testid="sync-input-file">
          {file.name} · {size(file.text)}{' '}
          <button type="button" onClick={() => setFile(null)}>
            Clear
          </button>
        </p>
      ) : (
        <textarea id={id} rows={4} value={pasted} spellCheck={false} autoComplete="off" onChange={(e) => setPasted(e.target.value)} data-testid="sync-input" />
      )}
      <p className="help">Open the file, drop it onto this window, paste it, or scan its QR codes (the parts in any order).</p>
      {!file && <QrPartsStatus text={pasted} />}
      <div className="actions">
        <button type="button" disabled={act.busy} onClick={() => void act.run(async () => setFile((await call('fileOpenSync')) ?? file))}>
          Open file…
        </button>
        <button type="button" className="primary" disabled={act.busy || !text.trim()} onClick={() => void apply()}>
          {action}
        </button>
      </div>
      <ErrorNotice error={act.error} />
    </div>
  );
}
