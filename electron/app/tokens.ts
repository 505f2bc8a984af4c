/**
 * Smart Licensing online in the app (License Central's half): the Tokens view (New Token, revoke), the
 * product instances registered online (remove one) and the webhooks. On the app's own ledger or, connected, the server's.
 */
import type { BridgeArgs, BridgeMethod, BridgeResults } from '../../shared/bridge.ts';
import type { WorkspaceLedger } from './workspace-ledger.ts';
import { serverTarget } from './server-target.ts';

type Methods<M extends BridgeMethod> = { [K in M]: (...args: BridgeArgs<K>) => Promise<BridgeResults[K]> };
export type TokenMethods = Methods<
  | 'authorityTokens'
  | 'authorityTokenCreate'
  | 'authorityTokenRevoke'
  | 'authorityRegistered'
  | 'authorityRegisteredRemove'
  | 'authorityWebhooks'
  | 'authorityWebhookAdd'
  | 'authorityWebhookRemove'
  | 'authorityWebhookTest'
  | 'authorityWebhookDeliveries'
>;

/** Where devices reach License Central: the server connected to, or (own ledger) the one given (server-target.ts). */
async function tokenTarget(dir: string, server: string | undefined, fingerprint: string | undefined): Promise<{ server: string; fingerprint: string }> {
  const { loadSession } = await import('../authority/remote/remote.ts');
  const session = loadSession(dir);
  if (session) return { server: session.server, fingerprint: session.fingerprint };
  return serverTarget(dir, server, fingerprint, 'devices');
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
    // The server's webhooks (on the app's own ledger, sent while `slr authority serve` runs on it)
    authorityWebhooks: () => ledger((l) => l.listWebhooks()),
    authorityWebhookAdd: (input) => ledger((l) => l.addWebhook(input, now())),
    authorityWebhookRemove: (id) => ledger((l) => l.removeWebhook({ id }, now())),
    authorityWebhookTest: (id) => ledger((l) => l.testWebhook({ id }, now())),
    authorityWebhookDeliveries: (webhook) => ledger((l) => l.webhookDeliveries({ webhook: webhook ?? undefined })),
  };
}
