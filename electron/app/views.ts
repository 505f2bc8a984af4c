/**
 * What the app's two workspaces show, read from the services: the product instance's view and License
 * Central's, each with the check of its event log's chain ("log intact", or where it was changed).
 */
import { reportingOf } from '../../shared/instance/status-text.ts';
import { deviceExpiring } from '../../shared/instance/expiring.ts';
import { isSlrError, SlrError } from '../../shared/errors.ts';
import { describeChain } from '../../shared/event-chain.ts';
import { availability } from '../../shared/instance/commands.ts';
import { deriveStatus } from '../../shared/instance/status.ts';
import { exportAllowance } from '../../shared/instance/security.ts';
import { SIP_TRUNK_PRODUCTS, sipTrunksOf } from '../../shared/instance/sip-trunks.ts';
import type { AuthorityView, InstanceView } from '../../shared/bridge.ts';
import type { LedgerPort } from '../authority/ledger-port.ts';
import type { Ledger } from '../authority/ledger.ts';
import type { RemoteSession } from '../authority/remote/remote.ts';
import { verifyInstanceEvents } from '../platform/event-chain.ts';
import type { InstanceService } from '../device/instance-service.ts';
import { transportView } from '../device/online-settings.ts';

/** How many of the log's latest events the workspace's Event Log shows (the export has all of them). */
const VIEW_EVENTS = 2000;

export async function authorityExists(withLedger: LedgerPort): Promise<boolean> {
  try {
    return await withLedger((l) => l.isInitialized());
  } catch (e) {
    if (isSlrError(e) && e.code === 'no-authority') return false;
    throw e;
  }
}

export async function readInstanceView(instance: InstanceService, ports: { dir: string; now: () => number }): Promise<InstanceView> {
  if (!instance.exists()) return { exists: false, dir: ports.dir };
  const now = ports.now();
  const state = await instance.observe(now);
  const keyProblem = await instance.keyProblem();
  const status = deriveStatus(state, now);
  return {
    exists: true,
    dir: ports.dir,
    status,
    lastRequest: state.lastRequest,
    lastConfirmation: state.lastConfirmation,
    lastReturn: state.lastReturn,
    trustedKeys: state.trustedKeys.map(({ id, label, addedAt }) => ({ id, label, addedAt })),
    events: state.events,
    logCheck: describeChain(state.events.length, verifyInstanceEvents(state.events), (i) => state.events[i]!),
    availability: availability(state),
    transport: transportView(state.transport),
    privacy: state.privacy,
    keyProblem: keyProblem && { message: keyProblem.message, hint: keyProblem.hint ?? '' },
    security: { enabled: state.security?.enabled ?? false, since: state.security?.since ?? null, ...exportAllowance(state, now) },
    cluster: state.cluster ?? null,
    sipTrunks: SIP_TRUNK_PRODUCTS.includes(state.product) ? sipTrunksOf(state) : null,
    alarms: [...(state.alarms ?? [])].sort((a, b) => Number(a.clearedAt !== null) - Number(b.clearedAt !== null) || b.raisedAt - a.raisedAt),
    checkpoints: state.witness ?? [],
    usageReports: reportingOf(state),
    expiring: deviceExpiring(status, state, status.clock.effective),
  };
}

export async function readAuthorityView(
  withLedger: LedgerPort,
  ports: { dir: string; now: () => number; passphraseGiven?: boolean; keysProblem?: () => string | null },
): Promise<AuthorityView> {
  if (!(await authorityExists(withLedger))) return { initialized: false, dir: ports.dir };
  return withLedger(async (l) => {
    const check = await l.verifyEvents();
    const keyProtection = await l.keyProtection();
    return {
      initialized: true as const,
      dir: ports.dir,
      now: ports.now(),
      smartAccount: await l.smartAccount(),
      accounts: await l.accounts(),
      licenses: await l.licenses(ports.now()),
      instanceCount: (await l.instancePage({ limit: 1 })).total,
      keys: await l.keys(),
      keyProtection,
      keysUnlocked: keyProtection !== 'passphrase' || ports.passphraseGiven === true,
      // Asked after the ledger was opened: opening it is what tries the OS store.
      keysProblem: keyProtection === 'os-store' ? (ports.keysProblem?.() ?? null) : null,
      events: await l.events(undefined, { limit: VIEW_EVENTS }),
      logCheck: describeChain(check.count, check.broken, () => check.broken!.event),
      connection: null,
      satelliteOf: await satelliteOf(l),
    };
  });
}

/**
 * The same view of a License Central server this workspace is connected to, as the user's role shows it:
 * their virtual accounts, and the log's check where their role may make it.
 */
export async function readServerView(session: RemoteSession, ports: { dir: string; now: () => number }): Promise<AuthorityView> {
  const { remoteLedger } = await import('../authority/remote/remote-ledger.ts');
  const l = remoteLedger(session);
  const [smartAccount, accounts, licenses, page, keys, events] = await Promise.all([
    l.smartAccount(),
    l.accounts(),
    l.licenses(ports.now()),
    l.instancePage({ limit: 1 }),
    l.keys(),
    l.events(undefined, { limit: VIEW_EVENTS }),
  ]);
  let logCheck: AuthorityView extends infer V ? (V extends { logCheck: infer C } ? C : never) : never;
  try {
    const check = await l.verifyEvents();
    logCheck = describeChain(check.count, check.broken, () => check.broken!.event);
  } catch (e) {
    if (!(e instanceof SlrError) || e.code !== 'forbidden') throw e;
    logCheck = {
      intact: true,
      text: "The whole log's chain is checked on the server by a Smart Account Administrator; your role shows the events of your virtual account.",
    };
  }
  return {
    initialized: true,
    dir: ports.dir,
    now: ports.now(),
    smartAccount,
    accounts,
    licenses,
    instanceCount: page.total,
    keys,
    keyProtection: 'server',
    keysProblem: null,
    keysUnlocked: true,
    events: events.slice(-2000),
    logCheck,
    connection: { server: session.server, user: session.user, fingerprint: session.fingerprint },
    satelliteOf: null,
  };
}

async function satelliteOf(l: Ledger) {
  const parent = await l.parentOf();
  return parent && { name: parent.name, parent: parent.smartAccount, mode: parent.mode };
}
