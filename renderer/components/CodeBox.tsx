import { useId, useState } from 'react';
import { codeTitle, type CodeKind } from '../../shared/code-kinds.ts';
import { call } from '../bridge.ts';
import { useAction } from './useAction.ts';
import { ErrorNotice, Notice } from './Notice.tsx';
import { QrView } from './QrView.tsx';

/** A code to hand over: shown, copied, saved to a named file, shown as a QR code and saved as PNG. */
export function CodeBox({ kind, code, sn, caption, udi }: { kind: CodeKind; code: string; sn: string; caption?: string; udi?: string }) {
  const id = useId();
  const { busy, error, run } = useAction();
  const [note, setNote] = useState<string | null>(null);
  const [showQr, setShowQr] = useState(false);
  const long = code.length > 120;
  return (
    <section className="code-box" aria-labelledby={`${id}-title`} data-kind={kind}>
      <h4 id={`${id}-title`}>{codeTitle(kind)}</h4>
      {caption && <p className="caption">{caption}</p>}
      <output className={long ? 'code code-long' : 'code'} data-testid={`code-${kind}`} aria-label={codeTitle(kind)}>
        {code}
      </output>
      <div className="actions">
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            void run(async () => {
              await call('clipboardWrite', code);
              setNote('Copied to the clipboard.');
            })
          }
        >
          Copy
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            void run(async () => {
              const p = await call('fileSaveCode', { kind, sn, code });
              setNote(p ? `Saved to ${p}.` : null);
            })
          }
        >
          Save to file…
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            void run(async () => {
              const p = await call('fileSaveReceipt', { kind, sn, code, ...(udi ? { udi } : {}) });
              setNote(p ? `Receipt saved to ${p}: print it for the paper trail.` : null);
            })
          }
        >
          Save receipt (PDF)…
        </button>
        <button type="button" aria-expanded={showQr} onClick={() => void setShowQr(!showQr)}>
          {showQr ? 'Hide QR code' : 'Show QR code'}
        </button>
        {showQr && (
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              void run(async () => {
                const p = await call('fileSaveQr', { kind, sn, code });
                setNote(!p ? null : p.length === 1 ? `QR code saved to ${p[0]}.` : `${p.length} QR codes saved, ${p[0]} to ${p.at(-1)}.`);
              })
            }
          >
            Save QR as PNG…
          </button>
        )}
      </div>
      {showQr && <QrView code={code} title={codeTitle(kind)} />}
      {note && <Notice kind="success">{note}</Notice>}
      <ErrorNotice error={error} />
    </section>
  );
}
