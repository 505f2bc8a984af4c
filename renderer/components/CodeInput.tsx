import { useContext, useId, useState } from 'react';
import { codeTitle, type CodeKind } from '../../shared/code-kinds.ts';
import type { OpenedFile } from '../../shared/bridge.ts';
import { call } from '../bridge.ts';
import { fieldTakes } from './incoming-file.ts';
import { useFieldDrops } from './useFieldDrops.ts';
import { useAction } from './useAction.ts';
import { ErrorNotice, Notice, TrustLink } from './Notice.tsx';
import { OpenTrustSettings } from './nav.ts';
import { looksLikeKeyFile } from '../../shared/codes/key-file.ts';
import { assembleQrParts, looksLikeQrParts } from '../../shared/codes/qr-parts.ts';
import { entryFor, looksLikeBundle } from '../../shared/codes/authorization-bundle.ts';
import { formatUdi, parseUdi } from '../../shared/udi.ts';

/** While QR parts are being scanned or pasted: which are here and which are still missing. */
export function QrPartsStatus({ text }: { text: string }) {
  if (!looksLikeQrParts(text)) return null;
  const a = assembleQrParts(text);
  const message =
    a.state === 'complete'
      ? `All ${a.count} QR parts are here: the code is complete.`
      : a.state === 'partial'
        ? `QR parts here: ${a.have.join(', ')} of ${a.count}. Still missing: ${a.missing.join(', ')}.`
        : a.message;
  return (
    <p role="status" className={a.state === 'invalid' ? 'help qr-status bad' : 'help qr-status'} data-state={a.state}>
      {message}
    </p>
  );
}

/**
 * A file's text as the field takes it: an authorization bundle (many devices' codes, from License Central's
 * batch reserve) gives this device's own entry, found by its UDI; it refuses, saying whose codes it holds.
 */
function codeOfFile(text: string, device: string | undefined): string {
  if (!device || !looksLikeBundle(text)) return text.trim();
  const udi = parseUdi(device, 'This device’s UDI');
  return entryFor(text, formatUdi(udi), udi.sn);
}

/** The native open dialog: the chosen file's text goes into the field. */
async function openFile(kind: CodeKind, device: string | undefined, onChange: (v: string) => void) {
  const f = await call('fileOpenCode', kind);
  if (f) onChange(codeOfFile(f.text, device));
}

/** A key file dropped where a code goes: said so, and offered for trust in Settings. */
function KeyFileNotice({ name, kind }: { name: string; kind: CodeKind }) {
  const openTrust = useContext(OpenTrustSettings);
  return (
    <Notice kind="info" title={`${name} is a License Central public key file, not an ${codeTitle(kind).toLowerCase()}.`}>
      Trusting a key decides which authorization codes this device accepts: add it in Settings, under this device’s trust rules.
      {openTrust && <TrustLink open={openTrust} />}
    </Notice>
  );
}

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
  device,
}: {
  kind: CodeKind;
  value: string;
  onChange: (v: string) => void;
  error?: { message: string; hint?: string } | null;
  rows?: number;
  acceptDrops?: boolean;
  /** The device's UDI, where an authorization code goes: from a bundle file, its own entry is taken. */
  device?: string;
}) {
  const id = useId();
  const file = useAction();
  const [keyFile, setKeyFile] = useState<string | null>(null);
  const dropped = (f: OpenedFile | { readonly error: string }) => {
    setKeyFile(null);
    if ('error' in f) file.setError({ message: f.error });
    else if (looksLikeKeyFile(f.text)) setKeyFile(f.name);
    else void file.run(async () => onChange(codeOfFile(f.text, device)));
  };
  // On screen, it takes the files dropped onto the window that are not another field's.
  useFieldDrops(acceptDrops, kind, (f) => fieldTakes(kind, f), dropped);
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
        Paste it, type it, scan its QR code or codes (the parts in any order), open its file{acceptDrops ? ', or drop the file onto this window' : ''}.
      </p>
      <QrPartsStatus text={value} />
      <div className="actions">
        <button type="button" disabled={file.busy} onClick={() => void file.run(async () => openFile(kind, device, onChange))}>
          Open file…
        </button>
      </div>
      {keyFile && <KeyFileNotice name={keyFile} kind={kind} />}
      <ErrorNotice error={file.error} />
      <ErrorNotice error={error ?? null} id={`${id}-error`} />
    </div>
  );
}
