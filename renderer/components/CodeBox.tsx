import { useId, useState } from 'react';
import { codeTitle, type CodeKind } from '../../shared/code-kinds.ts';
import { call } from '../bridge.ts';
import { useAction } from './useAction.ts';
import { ErrorNotice, Notice } from './Notice.tsx';
import { QrView } from './QrView.tsx';

interface CodeProps {
  readonly kind: CodeKind;
  readonly code: string;
  readonly sn: string;
  readonly udi?: string;
}

/** What can be done with a code, in the order of its buttons: each says what it did (null: cancelled). */
function codeActions({ kind, code, sn, udi }: CodeProps): { label: string; act: () => Promise<string | null> }[] {
  return [
    {
      label: 'Copy',
      act: async () => {
        await call('clipboardWrite', code);
        return 'Copied to the clipboard.';
      },
    },
    {
      label: 'Save to file…',
      act: async () => {
        const p = await call('fileSaveCode', { kind, sn, code });
        return p ? `Saved to ${p}.` : null;
      },
    },
    {
      label: 'Save receipt (PDF)…',
      act: async () => {
        const p = await call('fileSaveReceipt', { kind, sn, code, ...(udi ? { udi } : {}) });
        return p ? `Receipt saved to ${p}: print it for the paper trail.` : null;
      },
    },
  ];
}

async function saveQr({ kind, code, sn }: CodeProps): Promise<string | null> {
  const p = await call('fileSaveQr', { kind, sn, code });
  return !p ? null : p.length === 1 ? `QR code saved to ${p[0]}.` : `${p.length} QR codes saved, ${p[0]} to ${p.at(-1)}.`;
}

/** Short codes in check blocks (AB12C-…) are shown large and break only between blocks; XML scrolls in a box. */
const codeClass = (code: string) => (/^[0-9A-Z]+(?:-[0-9A-Z]+)+$/.test(code) ? 'code code-grouped' : code.length > 120 ? 'code code-long' : 'code');

/** A code to hand over: shown, copied, saved to a named file, shown as a QR code and saved as PNG. */
export function CodeBox({ caption, ...props }: CodeProps & { caption?: string }) {
  const { kind, code } = props;
  const id = useId();
  const { busy, error, run } = useAction();
  const [note, setNote] = useState<string | null>(null);
  const [showQr, setShowQr] = useState(false);
  const button = (label: string, act: () => Promise<string | null>) => (
    <button key={label} type="button" disabled={busy} onClick={() => void run(async () => setNote(await act()))}>
      {label}
    </button>
  );
  return (
    <section className="code-box" aria-labelledby={`${id}-title`} data-kind={kind}>
      <h4 id={`${id}-title`}>{codeTitle(kind)}</h4>
      {caption && <p className="caption">{caption}</p>}
      <output className={codeClass(code)} data-testid={`code-${kind}`} aria-label={codeTitle(kind)}>
        {code}
      </output>
      <div className="actions">
        {codeActions(props).map((a) => button(a.label, a.act))}
        <button type="button" aria-expanded={showQr} onClick={() => void setShowQr(!showQr)}>
          {showQr ? 'Hide QR code' : 'Show QR code'}
        </button>
        {showQr && button('Save QR as PNG…', () => saveQr(props))}
      </div>
      {showQr && <QrView code={code} title={codeTitle(kind)} />}
      {note && <Notice kind="success">{note}</Notice>}
      <ErrorNotice error={error} />
    </section>
  );
}
