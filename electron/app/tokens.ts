/**
 * Smart Licensing online in the app (License Central's half): the Tokens view (New Token, revoke) and the
 * product instances registered online (remove one). On the app's own ledger or, connected, the server's.
 */
import type { BridgeArgs, BridgeMethod, BridgeResults } from '../../shared/bridge.ts';
import { refuse } from '../../shared/errors.ts';
import type { WorkspaceLedger } from './workspace-ledger.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CERT_FILE, homeServerFingerprint, normaliseFingerprint } from '../platform/fingerprint.ts';
import { fingerprintProblem } from '../../shared/fingerprint-text.ts';

type Methods<M extends BridgeMethod> = { [K in M]: (...args: BridgeArgs<K>) => Promise<BridgeResults[K]> };
export type TokenMethods = Methods<'authorityTokens' | 'authorityTokenCreate' | 'authorityTokenRevoke' | 'authorityRegistered' | 'authorityRegisteredRemove'>;

/**
 * Where devices reach License Central: the server connected to; or (own ledger) the URL given, with the
 * fingerprint given or, when none is, that of the certificate of the server run from this data directory.
 */
async function tokenTarget(dir: string, server: string | undefined, fingerprint: string | undefined): Promise<{ server: string; fingerprint: string }> {
  const { loadSession } = await import('../authority/remote/remote.ts');
  const session = loadSession(dir);
  if (session) return { server: session.server, fingerprint: session.fingerprint };
  if (!server?.trim() || !/^https:\/\/[^/\s]+/i.test(server.trim()))
    refuse('bad-request', 'A token names the License Central server devices reach: give its address as https://HOST:PORT.');
  if (!fingerprint?.trim()) {
    if (!existsSync(join(dir, CERT_FILE)))
      refuse(
        'bad-request',
        "No License Central server has run from this data directory yet, so its certificate's fingerprint is not known here.",
        'Give the fingerprint (SHA-256) of the certificate of the server the devices reach, as its administrator reads it to you.',
      );
    return { server: server.trim(), fingerprint: homeServerFingerprint(dir) };
  }
  const canonical = normaliseFingerprint(fingerprint);
  if (!canonical) refuse('bad-request', fingerprintProblem(fingerprint) ?? 'The fingerprint is not a SHA-256 fingerprint.');
  return { server: server.trim(), fingerprint: canonical };
}

export function tokenApi(dir: string, ledger: WorkspaceLedger, now: () => number): TokenMethods {
  return {
    authorityTokens: () => ledger((l) => l.listTokens(now())),
    async authorityTokenCreate({ server, fingerprint, ...input }) {
      const target = await tokenTarget(dir, server, fingerprint);
      return ledger((l) => l.createToken({ ...input, ...target }, now()));
    },
    async authorityTokenRevoke(id) {
      await ledger((l) => l.revokeToken(id, now()));
      return null;
    },
    authorityRegistered: () => ledger((l) => l.registeredInstances(now())),
    authorityRegisteredRemove: (instance) => ledger((l) => l.removeRegistered(instance, now())),
  };
}
