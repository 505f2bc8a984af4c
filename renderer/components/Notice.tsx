import type { ReactNode } from 'react';
import { CommandText } from './CommandText.tsx';

/** A message next to what it is about: an error (with what to do), a warning, or a success. */
export function Notice({ kind, title, children, id }: { kind: 'error' | 'warning' | 'success' | 'info'; title?: string; children?: ReactNode; id?: string }) {
  return (
    <div id={id} className={`notice notice-${kind}`} role={kind === 'error' || kind === 'warning' ? 'alert' : 'status'}>
      {title && <strong>{title}</strong>}
      {children && <div>{children}</div>}
    </div>
  );
}

export function ErrorNotice({ error, id }: { error: { message: string; hint?: string } | null; id?: string }) {
  if (!error) return null;
  return (
    <Notice kind="error" id={id}>
      <strong>
        <CommandText text={error.message} />
      </strong>
      {error.hint && <CommandText text={error.hint} />}
    </Notice>
  );
}
