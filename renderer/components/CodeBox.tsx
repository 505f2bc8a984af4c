import { useEffect, useId, useState } from 'react';
import QRCode from 'qrcode';
import { codeTitle, type CodeKind } from '../../shared/code-kinds.ts';
import { call } from '../bridge.ts';
import { useAction } from './useAction.ts';
import { ErrorNotice, Notice } from './Notice.tsx';

const QR_LIMIT = 2900;

/** A code to hand over: shown, copied, saved to a named file, shown as a QR code and saved as PNG. */
export function CodeBox({ kind, code, sn, caption }: { kind: CodeKind; code: string; sn: string; caption?: string }) {
  const id = useId();
  const { busy, error, run } = useAction();
  const [note, setNote] = useState<string | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [showQr, setShowQr] = useState(false);
  useEffect(() => {
    setQr(null);
    if (!showQr || code.length > QR_LIMIT) return;
    let live = true;
    QRCode.toString(code, { type: 'svg', errorCorrectionLevel: code.length > 1800 ? 'L' : 'M', margin: 4 }).then(
      (svg) => {
        if (live) setQr(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
      },
      () => {
        if (live) setQr(null); // no QR code: the code is still shown as text
      },
    );
    return () => {
      live = false;
    };
  }, [code, showQr]);
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
        <button type="button" aria-expanded={showQr} onClick={() => void setShowQr(!showQr)}>
          {showQr ? 'Hide QR code' : 'Show QR code'}
        </button>
        {showQr && code.length <= QR_LIMIT && (
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              void run(async () => {
                const p = await call('fileSaveQr', { kind, sn, code });
                setNote(p ? `QR code saved to ${p}.` : null);
              })
            }
          >
            Save QR as PNG…
          </button>
        )}
      </div>
      {showQr &&
        (code.length > QR_LIMIT ? (
          <Notice kind="info">This code is too long for one QR code: carry it as a file.</Notice>
        ) : (
          qr && <img className="qr" src={qr} alt={`QR code of the ${codeTitle(kind).toLowerCase()}`} />
        ))}
      {note && <Notice kind="success">{note}</Notice>}
      <ErrorNotice error={error} />
    </section>
  );
}
