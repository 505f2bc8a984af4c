/**
 * The License Authority half of the bridge API: on the app's own ledger, or, once connected, on a License
 * Central server (the same session file as the CLI's `slr authority login`, in the app's data directory).
 * Every method runs the same ledger operation either way; what only a ledger of one's own can do (create it,
 * unlock its keys) is refused while connected.
 */
import { checkPassphrase } from '../authority/keys/key-storage.ts';
import { productById } from '../../shared/catalog.ts';
import { formatUdi } from '../../shared/udi.ts';
import { parseRequestCode } from '../../shared/codes/device-codes.ts';
import { parseIsoDate } from '../../shared/codes/dates.ts';
import { makeBundle } from '../../shared/codes/authorization-bundle.ts';
import { bundleFileName } from '../../shared/codes/batch-requests.ts';
import type { AuthorityView, BridgeArgs, BridgeMethod, BridgeResults } from '../../shared/bridge.ts';
import type { LedgerPort } from '../authority/ledger-port.ts';
import { readAuthorityView, readServerView } from './views.ts';
import type { TokenMethods } from './tokens.ts';
import type { SatelliteMethods } from './satellites.ts';
import type { WorkspaceLedger } from './workspace-ledger.ts';
import type { LicenseLine } from '../../shared/authority/views.ts';
import { connection, connectServer, disconnectServer, refuseWhileConnected, workspaceLedger } from './connection.ts';

type Methods<M extends BridgeMethod> = { [K in M]: (...args: BridgeArgs<K>) => Promise<BridgeResults[K]> };
export type AuthorityMethods = Methods<Exclude<Extract<BridgeMethod, `authority${string}`>, keyof TokenMethods | keyof SatelliteMethods>>;

export interface AuthorityPorts {
  readonly dir: string;
  readonly now: () => number;
  /** The app's own ledger (its passphrase, once given, applied). */
  readonly local: LedgerPort;
  readonly passphraseGiven: () => boolean;
  readonly keysProblem: () => string | null;
  /** Keeps the passphrase that unlocks the local ledger's keys (checked first). */
  readonly unlock: (passphrase: string) => Promise<void>;
}

/** What the License Central workspace shows of a request code: the device, and what each virtual account has of its licenses. */
function inspectRequest(code: string, lines: readonly LicenseLine[]): BridgeResults['authorityInspectRequest'] {
  const request = parseRequestCode(code);
  const product = productById(request.udi.pid)!;
  return {
    udi: formatUdi(request.udi),
    sn: request.udi.sn,
    product: product.id,
    productName: product.name,
    productType: product.productType,
    nodes: request.nodes,
    licenses: product.entitlements
      .filter((e) => e.reservable)
      .map((e) => ({
        short: e.short,
        displayName: e.displayName,
        level: e.hierarchy?.level ?? null,
        available: Object.fromEntries(lines.filter((line) => line.tag === e.tag).map((line) => [line.account, line.available])),
      })),
  };
}

/** The expiry notices due, recorded in the app's own ledger when it shows it (a server records its own); never in the way of the view. */
async function recordNoticesQuietly(ports: AuthorityPorts): Promise<void> {
  try {
    await ports.local((l) => l.recordNotices(ports.now()));
  } catch {
    // not set up yet, busy, or the clock behind the ledger: the view says what matters, and the next one records them
  }
}

/** Offline usage reports: a device's report imported (its acknowledgement back), the list, the silence policy. */
function usageMethods(ledger: WorkspaceLedger, now: () => number): Methods<'authorityUsageImport' | 'authorityUsageReports' | 'authorityUsagePolicy'> {
  return {
    authorityUsageImport: (report) => ledger((l) => l.importUsageReport({ report }, now())),
    authorityUsageReports: () => ledger((l) => l.usageReports(now())),
    authorityUsagePolicy: async (days) => {
      await ledger((l) => l.setUsagePolicy({ silentAfterDays: days }, now()));
      return null;
    },
  };
}

/** Many devices in one hand-off: a batch reserved in one step, answered as the bundle file every device installs from. */
function batchMethods(ledger: WorkspaceLedger, now: () => number): Pick<AuthorityMethods, 'authorityReserveBatch'> {
  return {
    async authorityReserveBatch(input) {
      const r = await ledger((l) => l.reserveBatch(input, now()));
      const issuedAt = new Date(now()).toISOString();
      const entries = r.entries.map((e) => ({ udi: e.udi, sn: e.sn, code: e.code }));
      return {
        bundle: makeBundle(input.account, issuedAt, entries),
        name: bundleFileName(issuedAt),
        entries: r.entries.map((e) => ({ sn: e.sn, udi: e.udi, warnings: e.warnings ?? [] })),
      };
    },
  };
}

/** A change whose bridge answer is null. */
const done = async (p: Promise<unknown>) => {
  await p;
  return null;
};

export function authorityApi(ports: AuthorityPorts): { methods: AuthorityMethods; ledger: WorkspaceLedger } {
  const { now } = ports;
  const ledger = workspaceLedger(ports.dir, ports.local);
  const localOnly = (what: string) => refuseWhileConnected(ports.dir, what);

  const methods: AuthorityMethods = {
    async authorityView(): Promise<AuthorityView> {
      const session = await connection(ports.dir);
      if (session) return readServerView(session, ports);
      await recordNoticesQuietly(ports);
      return readAuthorityView(ports.local, { ...ports, passphraseGiven: ports.passphraseGiven(), keysProblem: ports.keysProblem });
    },
    authorityInstances: (query) => ledger((l) => l.instancePage(query)),
    async authorityInit(name, passphrase) {
      await localOnly('Creating a license authority');
      // Encrypted under the passphrase from its first write (never a moment unprotected), then kept for this run.
      if (passphrase === undefined) return ports.local((l) => l.init(name, now()), { create: true });
      const made = await ports.local((l) => l.init(name, now()), { create: true, keySecret: { kind: 'passphrase', passphrase: checkPassphrase(passphrase) } });
      await ports.unlock(passphrase);
      return made;
    },
    async authorityProtectKeys(passphrase) {
      await localOnly('Protecting the signing keys');
      const r = await ports.local((l) => l.protectKeys({ kind: 'passphrase', passphrase: checkPassphrase(passphrase) }, now()));
      await ports.unlock(passphrase);
      return { keyIds: r.keyIds };
    },
    authorityAddAccount: (name) => done(ledger((l) => l.addAccount(name, now()))),
    authorityAddLicenses: ({ account, tag, count, term }) => {
      const t = term ? { start: parseIsoDate(term.start, 'start date'), end: parseIsoDate(term.end, 'end date') } : undefined;
      return done(ledger((l) => l.addLicenses({ account, tag, count, term: t }, now())));
    },
    authorityInspectRequest: async (code) => inspectRequest(code, await ledger((l) => l.licenses(now()))),
    authorityReserve: (input) => ledger((l) => l.reserve(input, now())),
    ...batchMethods(ledger, now),
    authorityUpdate: (input) => ledger((l) => l.update(input, now())),
    authorityConfirm: (input) => ledger((l) => l.confirm(input, now())),
    authorityRemove: (input) => ledger((l) => l.remove(input, now())),
    authorityRehost: (input) => ledger((l) => l.rehost(input, now())),
    authorityTransfer: (input) => done(ledger((l) => l.transfer(input, now()))),
    authorityTransferLicenses: (input) => done(ledger((l) => l.transferLicenses(input, now()))),
    authorityUnlock: (ref) => done(ledger((l) => l.unlock({ instance: ref }, now()))),
    authorityExpiring: (within) => ledger((l) => l.expiring(now(), within)),
    ...usageMethods(ledger, now),
    authorityLatestCode: (ref) => ledger((l) => l.latestCode(ref)),
    authorityKeyAdd: () => ledger((l) => l.addKey(now())),
    authorityKeyRetire: (id) => done(ledger((l) => l.retireKey(id, now()))),
    async authorityUnlockKeys(typed) {
      await localOnly('Unlocking the signing keys');
      await ports.unlock(typed);
      return null;
    },
    authorityConnect: (input) => connectServer(ports.dir, input),
    authorityDisconnect: () => disconnectServer(ports.dir),
  };
  return { methods, ledger };
}
