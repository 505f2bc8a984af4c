/**
 * What each operation of License Central's API (shared/authority/api.ts) does on the ledger: one line per
 * operation, calling the same ledger method the CLI and the app call, so the rules and the messages are the
 * same. The server (electron/server/) runs these for a request; the client (remote-ledger.ts) is typed by
 * their results.
 */
import { parseIsoDate } from '../../shared/codes/dates.ts';
import type { ApiBody, ApiName } from '../../shared/authority/api.ts';
import type { ApiReplyValue } from '../../shared/authority/api-replies.ts';
import type { Principal } from '../../shared/authority/roles.ts';
import type { Ledger } from './ledger.ts';
import { nameKey } from '../../shared/text.ts';

export interface OperationContext {
  readonly now: number;
  readonly principal: Principal;
  /** The fingerprint of the certificate the server presents (what its registration tokens carry). */
  readonly fingerprint: string;
}

/** The operations a logged-in user runs on the ledger (login, logout, whoami and password are the server's own). */
export type LedgerOperationName = Exclude<ApiName, 'login' | 'logout' | 'whoami' | DeviceOperationName | SatelliteOperationName>;
/** The calls of a connected satellite: its sync files, signed with its key (satellite/). */
export type SatelliteOperationName = 'satellite-enrol' | 'satellite-sync';
/** The calls of a product instance registered online: its own, signed with its key (registrations.ts). */
export type DeviceOperationName =
  'device-register' | 'device-renew-auth' | 'device-renew-id' | 'device-usage' | 'device-deregister' | 'device-export-request' | 'device-export-return';

/**
 * A virtual account's user sees their own virtual account: where an operation takes an optional account,
 * theirs is filled in (and the ledger's guard refuses any other).
 */
const scoped = (p: Principal, account: string | undefined) => account ?? p.account ?? undefined;

export const OPERATIONS = {
  'smart-account': (l: Ledger) => l.smartAccount(),
  accounts: async (l: Ledger, _b: ApiBody<'accounts'>, { principal }: OperationContext) =>
    (await l.accounts()).filter((a) => principal.account === null || nameKey(a) === nameKey(principal.account)),
  licenses: (l: Ledger, b: ApiBody<'licenses'>, { now, principal }: OperationContext) => l.licenses(now, scoped(principal, b.account)),
  instances: (l: Ledger, b: ApiBody<'instances'>, { principal }: OperationContext) => l.instances(scoped(principal, b.account), b.all ?? false),
  'instance-page': (l: Ledger, b: ApiBody<'instance-page'>, { principal }: OperationContext) => l.instancePage({ ...b, account: scoped(principal, b.account) }),
  events: (l: Ledger, b: ApiBody<'events'>, { principal }: OperationContext) =>
    l.events(scoped(principal, b.account), { limit: b.limit, before: b.before, after: b.after }),
  expiring: (l: Ledger, b: ApiBody<'expiring'>, { now, principal }: OperationContext) => l.expiring(now, b.within ?? 30, scoped(principal, b.account)),
  'events-verify': (l: Ledger) => l.verifyEvents(),
  code: (l: Ledger, b: ApiBody<'code'>) => l.latestCode(b.instance),
  keys: (l: Ledger) => l.keys(),
  'key-export': (l: Ledger, b: ApiBody<'key-export'>) => l.exportKey(b.id),
  'account-add': async (l: Ledger, b: ApiBody<'account-add'>, { now }: OperationContext) => {
    await l.addAccount(b.name, now);
    return { account: b.name };
  },
  'license-add': async (l: Ledger, b: ApiBody<'license-add'>, { now }: OperationContext) => {
    const term = b.term && { start: parseIsoDate(b.term.start, 'term.start'), end: parseIsoDate(b.term.end, 'term.end') };
    await l.addLicenses({ account: b.account, tag: b.tag, count: b.count, term }, now);
    return { account: b.account, tag: b.tag, count: b.count };
  },
  reserve: (l: Ledger, b: ApiBody<'reserve'>, { now }: OperationContext) => l.reserve(b, now),
  'reserve-batch': (l: Ledger, b: ApiBody<'reserve-batch'>, { now }: OperationContext) => l.reserveBatch(b, now),
  update: (l: Ledger, b: ApiBody<'update'>, { now }: OperationContext) => l.update(b, now),
  confirm: (l: Ledger, b: ApiBody<'confirm'>, { now }: OperationContext) => l.confirm(b, now),
  'usage-import': (l: Ledger, b: ApiBody<'usage-import'>, { now }: OperationContext) => l.importUsageReport(b, now),
  'usage-reports': (l: Ledger, b: ApiBody<'usage-reports'>, { now, principal }: OperationContext) => l.usageReports(now, scoped(principal, b.account)),
  'usage-policy': async (l: Ledger, b: ApiBody<'usage-policy'>, { now }: OperationContext) => {
    await l.setUsagePolicy(b, now);
    return { silentAfterDays: b.silentAfterDays };
  },
  remove: (l: Ledger, b: ApiBody<'remove'>, { now }: OperationContext) => l.remove(b, now),
  rehost: (l: Ledger, b: ApiBody<'rehost'>, { now }: OperationContext) => l.rehost(b, now),
  transfer: async (l: Ledger, b: ApiBody<'transfer'>, { now }: OperationContext) => {
    await l.transfer(b, now);
    return { to: b.to };
  },
  'transfer-licenses': async (l: Ledger, b: ApiBody<'transfer-licenses'>, { now }: OperationContext) => {
    await l.transferLicenses(b, now);
    return b;
  },
  unlock: async (l: Ledger, b: ApiBody<'unlock'>, { now }: OperationContext) => {
    await l.unlock(b, now);
    return { instance: b.instance };
  },
  'key-add': (l: Ledger, _b: ApiBody<'key-add'>, { now }: OperationContext) => l.addKey(now),
  'key-retire': async (l: Ledger, b: ApiBody<'key-retire'>, { now }: OperationContext) => {
    await l.retireKey(b.id, now);
    return { keyId: b.id };
  },
  'clock-accept': async (l: Ledger, b: ApiBody<'clock-accept'>, { now }: OperationContext) => ({ ...(await l.acceptClock(b.reason, now)), now }),
  'token-create': (l: Ledger, b: ApiBody<'token-create'>, { now, fingerprint }: OperationContext) => l.createToken({ ...b, fingerprint }, now),
  'token-list': (l: Ledger, b: ApiBody<'token-list'>, { now, principal }: OperationContext) => l.listTokens(now, scoped(principal, b.account)),
  'token-revoke': async (l: Ledger, b: ApiBody<'token-revoke'>, { now }: OperationContext) => {
    await l.revokeToken(b.id, now);
    return { id: b.id };
  },
  'registered-instances': (l: Ledger, b: ApiBody<'registered-instances'>, { now, principal }: OperationContext) =>
    l.registeredInstances(now, scoped(principal, b.account)),
  'registered-remove': (l: Ledger, b: ApiBody<'registered-remove'>, { now }: OperationContext) => l.removeRegistered(b.instance, now),
  'export-control': async (l: Ledger, b: ApiBody<'export-control'>, { now }: OperationContext) => {
    await l.setExportControl(b.allowed, b.reason, now);
    return { allowed: b.allowed };
  },
  password: (l: Ledger, b: ApiBody<'password'>, { now, principal }: OperationContext) =>
    l.setPassword({ name: principal.name, current: b.current, password: b.new }, now),
  // a virtual account's administrator manages their account's webhooks (scope), never the whole smart account's
  'webhook-add': (l: Ledger, b: ApiBody<'webhook-add'>, { now, principal }: OperationContext) =>
    l.addWebhook({ ...b, account: scoped(principal, b.account) }, now),
  'webhook-list': (l: Ledger, b: ApiBody<'webhook-list'>, { principal }: OperationContext) => l.listWebhooks(scoped(principal, b.account)),
  'webhook-remove': (l: Ledger, b: ApiBody<'webhook-remove'>, { now, principal }: OperationContext) =>
    l.removeWebhook({ id: b.id, scope: principal.account ?? undefined }, now),
  'webhook-test': (l: Ledger, b: ApiBody<'webhook-test'>, { now, principal }: OperationContext) =>
    l.testWebhook({ id: b.id, scope: principal.account ?? undefined }, now),
  'webhook-deliveries': (l: Ledger, b: ApiBody<'webhook-deliveries'>, { principal }: OperationContext) =>
    l.webhookDeliveries({ ...b, scope: principal.account ?? undefined }),
} satisfies { [N in LedgerOperationName]: (l: Ledger, body: ApiBody<N>, ctx: OperationContext) => Promise<unknown> };

export type OperationResult<N extends LedgerOperationName> = Awaited<ReturnType<(typeof OPERATIONS)[N]>>;

/** A type as it may be read, never written: what a result is checked against (results are readonly). */
export type ReadOnlyDeep<T> = T extends (infer E)[] ? readonly ReadOnlyDeep<E>[] : T extends object ? { readonly [K in keyof T]: ReadOnlyDeep<T[K]> } : T;

/** The operations whose result is not what the API document says they answer (shared/authority/api-replies.ts). */
type Undocumented = { [N in LedgerOperationName]: OperationResult<N> extends ReadOnlyDeep<ApiReplyValue<N>> ? never : N }[LedgerOperationName];
/** Fails to compile, naming the operation, when a result and the document part ways. */
export const EVERY_RESULT_DOCUMENTED: [Undocumented] extends [never] ? true : Undocumented = true;

/** What operation N answers, as the API document says (the server's own operations and the device and satellite calls use it). */
export type DocumentedReply<N extends ApiName> = ReadOnlyDeep<ApiReplyValue<N>>;
