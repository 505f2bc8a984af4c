/**
 * The ledger as a logged-in CLI sees it: the same methods as the local `Ledger` (the subset that a server's
 * user may call), each one call of the server's API. The CLI's verbs run unchanged on either; the server's
 * clock, not the client's, decides (`now` is ignored here).
 */
import type { ApiBody } from '../../../shared/authority/api.ts';
import { formatIsoDate } from '../../../shared/codes/dates.ts';
import type { Ledger } from '../ledger.ts';
import type { LedgerOperationName, OperationResult } from '../api-operations.ts';
import type { RemoteSession } from './remote.ts';
import { callApi } from '../../net/server-client.ts';

/** What a CLI verb may call on a ledger, local or on a server. */
export type LedgerApi = Pick<
  Ledger,
  | 'smartAccount'
  | 'accounts'
  | 'licenses'
  | 'instances'
  | 'instancePage'
  | 'events'
  | 'expiring'
  | 'verifyEvents'
  | 'latestCode'
  | 'keys'
  | 'exportKey'
  | 'addAccount'
  | 'addLicenses'
  | 'reserve'
  | 'reserveBatch'
  | 'update'
  | 'confirm'
  | 'remove'
  | 'rehost'
  | 'transfer'
  | 'transferLicenses'
  | 'unlock'
  | 'addKey'
  | 'retireKey'
  | 'acceptClock'
  | 'createToken'
  | 'listTokens'
  | 'revokeToken'
  | 'setExportControl'
  | 'registeredInstances'
  | 'removeRegistered'
  | 'importUsageReport'
  | 'usageReports'
  | 'setUsagePolicy'
  | 'addWebhook'
  | 'listWebhooks'
  | 'removeWebhook'
  | 'testWebhook'
  | 'webhookDeliveries'
>;

export function remoteLedger(session: RemoteSession): LedgerApi {
  const call = <N extends LedgerOperationName>(name: N, body: ApiBody<N>) => callApi(session, name, body) as Promise<OperationResult<N>>;
  const done = async (p: Promise<unknown>) => {
    await p;
  };
  return {
    smartAccount: () => call('smart-account', {}),
    accounts: () => call('accounts', {}),
    licenses: (_now, account) => call('licenses', { account }),
    instances: (account, all) => call('instances', { account, all }),
    instancePage: (query = {}) => call('instance-page', query),
    events: (account, page = {}) => call('events', { account, ...page }),
    expiring: (_now, within, account) => call('expiring', { within, account }),
    verifyEvents: () => call('events-verify', {}),
    latestCode: (instance) => call('code', { instance }),
    keys: () => call('keys', {}),
    exportKey: (id) => call('key-export', { id }),
    addAccount: (name) => done(call('account-add', { name })),
    addLicenses: ({ account, tag, count, term }) =>
      done(call('license-add', { account, tag, count, term: term && { start: formatIsoDate(term.start), end: formatIsoDate(term.end) } })),
    reserve: (input) => call('reserve', { ...input, licenses: { ...input.licenses } }),
    reserveBatch: (input) => call('reserve-batch', { ...input, requests: [...input.requests], licenses: { ...input.licenses } }),
    update: (input) => call('update', { ...input, licenses: { ...input.licenses } }),
    confirm: (input) => call('confirm', input),
    remove: (input) => call('remove', input),
    rehost: (input) => call('rehost', input),
    transfer: (input) => done(call('transfer', input)),
    transferLicenses: (input) => done(call('transfer-licenses', input)),
    unlock: (input) => done(call('unlock', input)),
    addKey: () => call('key-add', {}),
    retireKey: (id) => done(call('key-retire', { id })),
    acceptClock: (reason) => call('clock-accept', { reason }),
    // The server puts its own certificate's fingerprint in a token, whatever the client thinks it is.
    createToken: ({ fingerprint: _server, ...input }) => call('token-create', input),
    listTokens: (_now, account) => call('token-list', { account }),
    revokeToken: (id) => done(call('token-revoke', { id })),
    setExportControl: (allowed, reason) => done(call('export-control', { allowed, reason })),
    registeredInstances: (_now, account) => call('registered-instances', { account }),
    removeRegistered: (instance) => call('registered-remove', { instance }),
    importUsageReport: (input) => call('usage-import', input),
    usageReports: (_now, account) => call('usage-reports', { account }),
    setUsagePolicy: (input) => done(call('usage-policy', input)),
    // the server's own scope (a virtual account's administrator's) is its to fill in, not the client's
    addWebhook: (input) => call('webhook-add', { ...input, events: input.events && [...input.events] } as ApiBody<'webhook-add'>),
    listWebhooks: (account) => call('webhook-list', { account }),
    removeWebhook: ({ id }) => call('webhook-remove', { id }),
    testWebhook: ({ id }) => call('webhook-test', { id }),
    webhookDeliveries: ({ webhook, account, limit }) => call('webhook-deliveries', { webhook, account, limit }),
  };
}
