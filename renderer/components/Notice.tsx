import { useContext, type ReactNode } from 'react';
import { OpenStateRecovery, OpenTrustSettings, TRUST_CODES } from './nav.ts';
import { STATE_UNUSABLE } from '../../shared/bridge-device-state.ts';
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

/**
 * What a device's code said of its state (a device put back to an older state, running a code License Central
 * never issued, trusting a key that is not License Central's): the exchange went through, and this needs a look.
 */
export function DeviceStateNotice({ warnings }: { warnings: readonly string[] | undefined }) {
  if (!warnings?.length) return null;
  return (
    <Notice kind="warning" title="Check this device: its code says its state is not what License Central knows">
      {warnings.map((w) => (
        <p key={w}>{w}</p>
      ))}
    </Notice>
  );
}

export function ErrorNotice({ error, id }: { error: { code?: string; message: string; hint?: string } | null; id?: string }) {
  const openTrust = useContext(OpenTrustSettings);
  const openRecovery = useContext(OpenStateRecovery);
  if (!error) return null;
  const unusable = openRecovery && (STATE_UNUSABLE as readonly (string | undefined)[]).includes(error.code);
  return (
    <Notice kind="error" id={id}>
      <strong>
        <CommandText text={error.message} />
      </strong>
      {error.hint && !unusable && <CommandText text={error.hint} />}
      {openTrust && error.code && TRUST_CODES.has(error.code) && <TrustLink open={openTrust} />}
      {unusable && (
        <p className="notice-action">
          <button type="button" className="link" onClick={openRecovery}>
            Restore a backup or recover this state
          </button>
        </p>
      )}
    </Notice>
  );
}

/** Where trusted keys are managed, one click from a message about trust. */
export function TrustLink({ open }: { open: () => void }) {
  return (
    <p className="notice-action">
      <button type="button" className="link" onClick={open}>
        Open Settings to trust a License Central key
      </button>{' '}
      (License Central exports it as a .pem file from its Signing Keys tab).
    </p>
  );
}
