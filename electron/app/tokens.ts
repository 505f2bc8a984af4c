/**
 * Smart Licensing online in the app (License Central's half): the Tokens view (New Token, revoke) and the
 * product instances registered online (remove one). On the app's own ledger or, connected, the server's.
 */
import type { BridgeArgs, BridgeMethod, BridgeResults } from '../../shared/bridge.ts';
import { refuse } from '../../shared/errors.ts';
import type { WorkspaceLedger } from './workspace-ledger.ts';
import { homeServerFingerprint } from '../platform/fingerprint.ts';

type Methods<M extends BridgeMethod> = { [K in M]: (...args: BridgeArgs<K>) => Promise<BridgeResults[K]> };
export type TokenMethods = Methods<'authorityTokens' | 'authorityTokenCreate' | 'authorityTokenRevoke' | 'authorityRegistered' | 'authorityRegisteredRemove'>;

/** Where devices reach License Central: the server connected to, or (own ledger) the URL given and this home's certificate. */
async function tokenTarget(dir: string, server: string | undefined): Promise<{ server: string; fingerprint: string }> {
  const { loadSession } = await import('../authority/remote/remote.ts');
  const session = loadSession(dir);
  if (session) return { server: session.server, fingerprint: session.fingerprint };
  if (!server?.trim())
    refuse(
      'bad-request',
      'A token names the License Central server devices reach: give its URL (https://HOST:PORT).',
      'The server runs from this data directory (slr authority serve); or connect to a License Central server.',
    );
  return { server: server.trim(), fingerprint: homeServerFingerprint(dir) };
}

export function tokenApi(dir: string, ledger: WorkspaceLedger, now: () => number): TokenMethods {
  return {
    authorityTokens: () => ledger((l) => l.listTokens(now())),
    async authorityTokenCreate({ server, ...input }) {
      const target = await tokenTarget(dir, server);
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
