/**
 * The bridge API (shared/bridge.ts) implemented over the same services as the CLI. The Electron main process
 * serves it over IPC; the browser test harness serves it over HTTP. Dialogs and the clipboard are ports, so
 * that neither this module nor anything the renderer sends ever names a file path.
 */
import { isSlrError } from '../../shared/errors.ts';
import { parseBridgeArgs, type BridgeReply } from '../../shared/bridge.ts';
import { sqliteLedgerPort, type LedgerPort } from '../authority/ledger-port.ts';
import { readInstanceView } from './views.ts';
import { authorityApi } from './authority.ts';
import { onlineApi } from './online.ts';
import { tokenApi } from './tokens.ts';
import { appRounds, satelliteApi } from './satellites.ts';
import type { Schedule, ScheduleOptions } from '../authority/satellite/schedule.ts';
import { instanceMethods } from './instance.ts';
import { deviceStateMethods } from './device-state.ts';
import { fileMethods } from './file-actions.ts';
import { instanceService } from '../device/instance-service.ts';
import type { AppApi, AppPorts } from './ports.ts';

export type { AppApi, AppPorts, Dialogs } from './ports.ts';

/** The bridge API over the app's services (the harness and the tests use it alone). */
export function createAppApi(ports: AppPorts): AppApi {
  return createApp(ports).api;
}

export interface App {
  readonly api: AppApi;
  /** While the app runs: a connected satellite's rounds with its parent, by themselves (the main process starts them). */
  readonly rounds: (o?: Partial<Pick<ScheduleOptions, 'timers' | 'onRound'>>) => Schedule;
}

export function createApp(ports: AppPorts): App {
  const instance = instanceService({ dir: ports.dir, stores: ports.stores, sealer: ports.sealer });
  const baseLedger: LedgerPort = ports.ledger ?? sqliteLedgerPort(ports.dir);
  // The passphrase of passphrase-protected signing keys, once the operator typed it: for this run of the app
  // only, in this process's memory, never written or sent back to the renderer.
  let passphrase: string | null = null;
  const withLedger: LedgerPort = (fn, use = {}) =>
    baseLedger(fn, passphrase !== null && !use.keySecret ? { ...use, keySecret: { kind: 'passphrase', passphrase } } : use);
  const instanceView = () => readInstanceView(instance, ports);
  const authority = authorityApi({
    dir: ports.dir,
    now: ports.now,
    local: withLedger,
    passphraseGiven: () => passphrase !== null,
    keysProblem: () => ports.keysProblem?.() ?? null,
    async unlock(typed) {
      // Checked against the ledger's check value before it is kept: a wrong one is refused (wrong-passphrase).
      await baseLedger((l) => l.store.keyStorage(), { keySecret: { kind: 'passphrase', passphrase: typed } });
      passphrase = typed;
    },
  });

  const satellites = { dir: ports.dir, now: ports.now, local: withLedger, dialogs: ports.dialogs, ...(ports.linkFor ? { linkFor: ports.linkFor } : {}) };
  const api: AppApi = {
    instanceView,
    ...instanceMethods(instance, ports, instanceView),
    ...deviceStateMethods(instance, ports),
    ...authority.methods,
    ...{ ...tokenApi(ports.dir, authority.ledger, ports.now), ...onlineApi(instance, ports.now), ...satelliteApi(satellites) },
    ...fileMethods(ports, instance, authority.ledger, async () => {
      const { loadSession } = await import('../authority/remote/remote.ts');
      return loadSession(ports.dir) ? null : withLedger;
    }),

    async clipboardWrite(text) {
      await ports.clipboard.writeText(text);
      return null;
    },
  };
  return { api, rounds: (o = {}) => appRounds({ ...satellites, ...o }) };
}

/** Validates a call against the contract and runs it; every outcome is data, never a thrown Error. */
export async function dispatch(api: AppApi, method: string, args: unknown): Promise<BridgeReply<unknown>> {
  const parsed = parseBridgeArgs(method, args);
  if (!parsed.ok) return { ok: false, error: { code: 'bad-call', message: parsed.message } };
  try {
    const fn = api[parsed.method] as (...a: unknown[]) => Promise<unknown>;
    return { ok: true, value: await fn(...parsed.args) };
  } catch (e) {
    if (isSlrError(e)) return { ok: false, error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } };
    return { ok: false, error: { code: 'internal', message: `Internal error: ${(e as Error).message}` } };
  }
}
