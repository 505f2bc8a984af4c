/**
 * The License Authority half of the bridge API: on the app's own ledger, or, once connected, on a License
 * Central server (the same session file as the CLI's `slr authority login`, in the app's data directory).
 * Every method runs the same ledger operation either way; what only a ledger of one's own can do (create it,
 * unlock its keys) is refused while connected.
 */
import { productById } from '../../shared/catalog.ts';
import { formatUdi } from '../../shared/udi.ts';
import { parseRequestCode } from '../../shared/codes/device-codes.ts';
import { parseIsoDate } from '../../shared/codes/dates.ts';
import { refuse } from '../../shared/errors.ts';
import type { AuthorityView, BridgeArgs, BridgeMethod, BridgeResults } from '../../shared/bridge.ts';
import type { LedgerPort } from './authority/ledger-port.ts';
import { readAuthorityView, readServerView } from './app-views.ts';
import type { TokenMethods } from './app-tokens.ts';
import type { WorkspaceLedger } from './app-workspace-ledger.ts';
import { normaliseFingerprint } from './authority/fingerprint.ts';

type Methods<M extends BridgeMethod> = { [K in M]: (...args: BridgeArgs<K>) => Promise<BridgeResults[K]> };
export type AuthorityMethods = Methods<Exclude<Extract<BridgeMethod, `authority${string}`>, keyof TokenMethods>>;

export interface AuthorityPorts {
  readonly dir: string;
  readonly now: () => number;
  /** The app's own ledger (its passphrase, once given, applied). */
  readonly local: LedgerPort;
  readonly passphraseGiven: () => boolean;
  /** Keeps the passphrase that unlocks the local ledger's keys (checked first). */
  readonly unlock: (passphrase: string) => Promise<void>;
}

/** The server this data directory is logged in to (read at every call: the CLI may log in or out meanwhile). */
async function connection(dir: string) {
  const { loadSession } = await import('./authority/remote.ts');
  return loadSession(dir);
}

export function authorityApi(ports: AuthorityPorts): { methods: AuthorityMethods; ledger: WorkspaceLedger } {
  const { now } = ports;
  /** The ledger the workspace works on: the server's when connected, else the app's own. */
  const ledger: WorkspaceLedger = async (fn) => {
    const session = await connection(ports.dir);
    if (!session) return ports.local(fn);
    const { remoteLedger } = await import('./authority/remote-ledger.ts');
    return fn(remoteLedger(session));
  };
  const localOnly = async (what: string) => {
    const session = await connection(ports.dir);
    if (session)
      refuse(
        'local-only',
        `${what} is for License Central's own ledger; this workspace works on the server ${session.server}.`,
        'Disconnect from the server first.',
      );
  };
  const done = async (p: Promise<unknown>) => {
    await p;
    return null;
  };

  const methods: AuthorityMethods = {
    async authorityView(): Promise<AuthorityView> {
      const session = await connection(ports.dir);
      if (session) return readServerView(session, ports);
      return readAuthorityView(ports.local, { ...ports, passphraseGiven: ports.passphraseGiven() });
    },
    authorityInstances: (query) => ledger((l) => l.instancePage(query)),
    async authorityInit(name) {
      await localOnly('Creating a license authority');
      return ports.local((l) => l.init(name, now()), { create: true });
    },
    authorityAddAccount: (name) => done(ledger((l) => l.addAccount(name, now()))),
    authorityAddLicenses: ({ account, tag, count, term }) => {
      const t = term ? { start: parseIsoDate(term.start, 'start date'), end: parseIsoDate(term.end, 'end date') } : undefined;
      return done(ledger((l) => l.addLicenses({ account, tag, count, term: t }, now())));
    },
    async authorityInspectRequest(code) {
      const request = parseRequestCode(code);
      const product = productById(request.udi.pid)!;
      const lines = await ledger((l) => l.licenses(now()));
      return {
        udi: formatUdi(request.udi),
        sn: request.udi.sn,
        product: product.id,
        productName: product.name,
        productType: product.productType,
        licenses: product.entitlements
          .filter((e) => e.reservable)
          .map((e) => ({
            short: e.short,
            displayName: e.displayName,
            level: e.hierarchy?.level ?? null,
            available: Object.fromEntries(lines.filter((line) => line.tag === e.tag).map((line) => [line.account, line.available])),
          })),
      };
    },
    authorityReserve: (input) => ledger((l) => l.reserve(input, now())),
    authorityUpdate: (input) => ledger((l) => l.update(input, now())),
    authorityConfirm: (input) => ledger((l) => l.confirm(input, now())),
    authorityRemove: (input) => ledger((l) => l.remove(input, now())),
    authorityRehost: (input) => ledger((l) => l.rehost(input, now())),
    authorityTransfer: (input) => done(ledger((l) => l.transfer(input, now()))),
    authorityTransferLicenses: (input) => done(ledger((l) => l.transferLicenses(input, now()))),
    authorityUnlock: (ref) => done(ledger((l) => l.unlock({ instance: ref }, now()))),
    authorityLatestCode: (ref) => ledger((l) => l.latestCode(ref)),
    authorityKeyAdd: () => ledger((l) => l.addKey(now())),
    authorityKeyRetire: (id) => done(ledger((l) => l.retireKey(id, now()))),
    async authorityUnlockKeys(typed) {
      await localOnly('Unlocking the signing keys');
      await ports.unlock(typed);
      return null;
    },
    async authorityConnect({ server, fingerprint, user, password }) {
      const remote = await import('./authority/remote.ts');
      const pinned = normaliseFingerprint(fingerprint);
      if (!pinned)
        refuse(
          'bad-request',
          'The fingerprint is a SHA-256 fingerprint: 64 hexadecimal digits, with or without colons.',
          "The server's administrator has it (slr authority serve prints it).",
        );
      const session = await remote.login({
        server: (await import('./server-client.ts')).checkServerUrl(server).toString().replace(/\/$/, ''),
        user,
        password,
        fingerprint: pinned,
      });
      remote.saveSession(ports.dir, session);
      return { server: session.server, user: session.user, fingerprint: session.fingerprint };
    },
    async authorityDisconnect() {
      const remote = await import('./authority/remote.ts');
      const session = remote.loadSession(ports.dir);
      if (session) await (await import('./server-client.ts')).callApi(session, 'logout', {}, { retries: 0, timeoutMs: 5_000 }).catch(() => undefined);
      remote.forgetSession(ports.dir);
      return null;
    },
  };
  return { methods, ledger };
}
