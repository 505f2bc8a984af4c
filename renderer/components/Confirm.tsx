/**
 * An action that cannot be undone, or that others depend on, asked first, in one layout everywhere: what
 * will happen, then the verb on the button that does it, then the way out ("Keep …"), which takes the focus
 * so that Enter never confirms by accident.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Notice } from './Notice.tsx';

export interface ConfirmProps {
  /** The question, e.g. "Retire signing key 0123…?". */
  readonly title: string;
  /** What will happen, in the operator's words. */
  readonly children: ReactNode;
  /** The button that does it: a verb ("Retire key"). */
  readonly verb: string;
  /** The button that backs out ("Keep the key"). */
  readonly keep: string;
  readonly busy: boolean;
  readonly onConfirm: () => void;
  readonly onKeep: () => void;
}

export function ConfirmStep({ title, children, verb, keep, busy, onConfirm, onKeep }: ConfirmProps) {
  const back = useRef<HTMLButtonElement>(null);
  useEffect(() => back.current?.focus(), []);
  return (
    <Notice kind="warning" title={title}>
      <div>{children}</div>
      <div className="actions">
        <button type="button" className="danger" disabled={busy} onClick={onConfirm}>
          {verb}
        </button>
        <button type="button" ref={back} disabled={busy} onClick={onKeep}>
          {keep}
        </button>
      </div>
    </Notice>
  );
}

/** A button that asks first: clicked, it shows the question in its place; confirmed or kept, the button again. */
export function ConfirmButton({
  label,
  primary = false,
  disabled = false,
  ...ask
}: Omit<ConfirmProps, 'onKeep'> & { readonly label: string; readonly primary?: boolean; readonly disabled?: boolean }) {
  const [asking, setAsking] = useState(false);
  // Backed out: the focus goes back to the button that asked, where the operator was.
  const button = useRef<HTMLButtonElement>(null);
  const [refocus, setRefocus] = useState(false);
  useEffect(() => {
    if (asking || !refocus) return;
    button.current?.focus();
    setRefocus(false);
  }, [asking, refocus]);
  if (!asking)
    return (
      <button ref={button} type="button" className={primary ? 'primary' : undefined} disabled={disabled || ask.busy} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  return (
    <ConfirmStep
      {...ask}
      onConfirm={() => {
        setAsking(false);
        ask.onConfirm();
      }}
      onKeep={() => {
        setAsking(false);
        setRefocus(true);
      }}
    />
  );
}
