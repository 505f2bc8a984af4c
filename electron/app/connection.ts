/**
 * The app's License Central workspace and a License Central server: which ledger the workspace works on
 * (the server's while this data directory is logged in to one, the same session file as the CLI's `slr
 * authority login`; else the app's own), and connecting and disconnecting.
 */
import { refuse } from '../../shared/errors.ts';
import type { BridgeArgs, BridgeResults } from '../../shared/bridge.ts';
import type { LedgerPort } from '../authority/ledger-port.ts';
import type { WorkspaceLedger } from './workspace-ledger.ts';
import { normaliseFingerprint } from '../platform/fingerprint.ts';

/** The server this data directory is logged in to (read at every call: the CLI may log in or out meanwhile). */
export async function connection(dir: string) {
  const { loadSession } = await import('../authority/remote/remote.ts');
  return loadSession(dir);
}

/** The ledger the workspace works on: the server's when connected, else the app's own. */
export function workspaceLedger(dir: string, local: LedgerPort): WorkspaceLedger {
  return async (fn) => {
    const session = await connection(dir);
    if (!session) return local(fn);
    const { remoteLedger } = await import('../authority/remote/remote-ledger.ts');
    return fn(remoteLedger(session));
  };
}

/** Refuses what only License Central's own ledger can do while the workspace works on a server. */
export async function refuseWhileConnected(dir: string, what: string): Promise<void> {
  const session = await connection(dir);
  if (session)
    refuse(
      'local-only',
      `${what} is for License Central's own ledger; this workspace works on the server ${session.server}.`,
      'Disconnect from the server first.',
    );
}

export async function connectServer(
  dir: string,
  { server, fingerprint, user, password }: BridgeArgs<'authorityConnect'>[0],
): Promise<BridgeResults['authorityConnect']> {
  const remote = await import('../authority/remote/remote.ts');
  const { checkServerUrl } = await import('../net/server-client.ts');
  const pinned = normaliseFingerprint(fingerprint);
  if (!pinned)
    refuse(
      'bad-request',
      'The fingerprint is a SHA-256 fingerprint: 64 hexadecimal digits, with or without colons.',
      "The server's administrator has it (slr authority serve prints it).",
    );
  const session = await remote.login({ server: checkServerUrl(server).toString().replace(/\/$/, ''), user, password, fingerprint: pinned });
  remote.saveSession(dir, session);
  return { server: session.server, user: session.user, fingerprint: session.fingerprint };
}

export async function disconnectServer(dir: string): Promise<null> {
  const remote = await import('../authority/remote/remote.ts');
  const session = remote.loadSession(dir);
  if (session) await (await import('../net/server-client.ts')).callApi(session, 'logout', {}, { retries: 0, timeoutMs: 5_000 }).catch(() => undefined);
  remote.forgetSession(dir);
  return null;
}
