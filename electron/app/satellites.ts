/**
 * Satellites in the app (the License Central workspace's Satellites tab): the same ledger operations as
 * `slr authority satellite …`, `sync …` and `show satellites`, on the app's own ledger only (a satellite is a
 * License Central of its own: refused while the workspace works on a server). The sync files cross the bridge
 * as text and go back as text with the name they are offered under; the renderer hands them over as it does
 * codes. While the app runs, a connected satellite's rounds run by themselves (`appRounds`).
 */
import type { BridgeArgs, BridgeMethod, BridgeResults, SyncFileView } from '../../shared/bridge.ts';
import { basename } from 'node:path';
import { MAX_SYNC_FILE, parseSyncFile } from '../../shared/authority/sync-file.ts';
import { readCodeFile, writeTextFile } from '../platform/files.ts';
import type { Dialogs } from './ports.ts';
import { isSlrError, refuse, SlrError } from '../../shared/errors.ts';
import type { LedgerPort } from '../authority/ledger-port.ts';
import type { Ledger } from '../authority/ledger.ts';
import type { LinkFor } from '../authority/satellite/connected.ts';
import { roundText } from '../authority/satellite/round-text.ts';
import { scheduleRounds, type Schedule, type ScheduleOptions } from '../authority/satellite/schedule.ts';
import { refuseWhileConnected } from './connection.ts';
import { serverTarget } from './server-target.ts';

type Methods<M extends BridgeMethod> = { [K in M]: (...args: BridgeArgs<K>) => Promise<BridgeResults[K]> };
export type SatelliteMethods = Methods<
  | 'fileOpenSync'
  | 'fileSaveSync'
  | 'authoritySatellites'
  | 'authoritySatelliteAdd'
  | 'authoritySatelliteAllocate'
  | 'authoritySatelliteEnrol'
  | 'authoritySyncExport'
  | 'authoritySyncImport'
  | 'authoritySyncNow'
>;

export interface SatellitePorts {
  readonly dir: string;
  readonly now: () => number;
  /** The app's own ledger (its passphrase, once given, applied). */
  readonly local: LedgerPort;
  /** How a connected satellite reaches its parent (HTTPS, pinned, unless a test gives another). */
  readonly linkFor?: LinkFor;
  readonly dialogs: Dialogs;
}

const SYNC_FILES = [
  { name: 'SLR Desk sync files', extensions: ['json'] },
  { name: 'Text', extensions: ['txt'] },
];

/** The button that starts a round at once, as the failed round's text names it. */
const SYNC_NOW = '“Synchronise now”';

/** The name a sync file is offered under: the CLI's, with what a file name cannot hold replaced. */
export function syncFile(name: string, text: string): SyncFileView {
  const safe = name.replace(/[^A-Za-z0-9 ._-]/g, '-').replace(/^[ .]+/, '');
  return { name: safe.length > 124 ? `${safe.slice(0, 119)}.json` : safe, text };
}

export function satelliteApi(p: SatellitePorts): SatelliteMethods {
  const own = async <T>(what: string, fn: (l: Ledger) => Promise<T>): Promise<T> => {
    await refuseWhileConnected(p.dir, what);
    return p.local(fn);
  };
  const round = (l: Ledger) => l.syncNow(p.now(), p.linkFor);
  return {
    ...syncFileMethods(p.dialogs),
    authoritySatellites: () =>
      own('Satellites', async (l) => {
        const parent = await l.parentOf();
        return parent ? { role: 'satellite', parent } : { role: 'parent', satellites: await l.satellites() };
      }),
    authoritySatelliteAdd: (input) => addSatellite(p, input),
    authoritySatelliteAllocate: ({ satellite, account, licenses }) =>
      own('Allocating to a satellite', (l) => l.allocate({ satellite, account, licenses }, p.now())),
    async authoritySatelliteEnrol(text) {
      await refuseWhileConnected(p.dir, 'Enrolling as a satellite');
      const envelope = parseSyncFile(text);
      const enrolled = await p.local((l) => l.enrol(envelope, p.now()));
      const { role } = enrolled;
      const reply = syncFile(`${role.name}-reply.json`, enrolled.reply.text);
      const done = { satellite: role.name, parent: role.smartAccount, mode: role.mode, reply };
      if (role.mode === 'disconnected') return { ...done, round: null };
      const r = await p.local(round);
      return { ...done, round: { ok: r.ok, message: roundText(r, SYNC_NOW) } };
    },
    async authoritySyncExport() {
      const r = await own('Writing a sync file', (l) => l.syncExport(p.now()));
      return { seq: r.seq, events: r.events, file: syncFile(`sync-${r.seq}.json`, r.text) };
    },
    async authoritySyncImport(text) {
      await refuseWhileConnected(p.dir, 'Importing a sync file');
      const envelope = parseSyncFile(text);
      if (envelope.kind === 'enrolment')
        refuse(
          'wrong-sync-file',
          'This is an enrolment file: it is taken by the satellite being enrolled, not imported.',
          'On the new License Central (the satellite): its Satellites tab, “Enrol as a satellite of another License Central”.',
        );
      const r = await p.local((l) => l.syncImport(envelope, p.now()));
      return { kind: r.kind, summary: r.summary, answer: r.answer ? syncFile(`${r.satellite}-answer.json`, r.answer.text) : null };
    },
    async authoritySyncNow() {
      const r = await own('Synchronising with the parent', round);
      if (!r.ok) throw new SlrError(r.error.code, roundText(r, SYNC_NOW), r.error.hint);
      return { message: roundText(r, SYNC_NOW), nextAt: r.nextAt };
    },
  };
}

/** On a parent: `slr authority satellite add`, its enrolment file to carry (or to send, connected). */
async function addSatellite(p: SatellitePorts, { name, mode, intervalMinutes = 60, server, fingerprint, replace }: BridgeArgs<'authoritySatelliteAdd'>[0]) {
  await refuseWhileConnected(p.dir, 'Adding a satellite');
  if (mode === 'disconnected' && (server || fingerprint)) refuse('bad-request', 'A server and its fingerprint are for a connected satellite.');
  const target = mode === 'connected' ? await parentTarget(p.dir, server, fingerprint) : { url: null, fingerprint: null };
  const made = await p.local((l) => l.addSatellite({ name, mode, intervalMinutes, ...target, replace }, p.now()));
  const file = syncFile(`${name.trim()}-enrolment.json`, made.text);
  const next =
    mode === 'connected'
      ? `On the satellite, enrol with this file: it then synchronises with ${target.url} by itself.`
      : 'On the satellite, enrol with this file and carry its reply back here (“Import a satellite’s file”).';
  return { satellite: name.trim(), mode, file, next };
}

/** The sync files' own hand-off: the native dialogs, a sync file's size bound. */
function syncFileMethods(dialogs: Dialogs): Pick<SatelliteMethods, 'fileOpenSync' | 'fileSaveSync'> {
  return {
    async fileOpenSync() {
      const path = await dialogs.open({ title: 'Open a sync file', filters: SYNC_FILES });
      return path ? { name: basename(path), text: readCodeFile(path, MAX_SYNC_FILE) } : null;
    },
    async fileSaveSync({ name, text }) {
      const path = await dialogs.save({ title: 'Save the sync file', defaultName: name, filters: SYNC_FILES });
      // 0600 as the CLI writes an enrolment file (its one-time secret), and the rest alike: what a License Central holds.
      if (path) writeTextFile(path, text, 0o600);
      return path;
    },
  };
}

/** A connected satellite reaches the parent's server: its origin, and the fingerprint given or this home's own. */
async function parentTarget(dir: string, server: string | undefined, fingerprint: string | undefined) {
  const target = serverTarget(dir, server, fingerprint, 'a connected satellite');
  const { checkServerUrl } = await import('../net/server-client.ts');
  return { url: checkServerUrl(target.server).origin, fingerprint: target.fingerprint };
}

/**
 * While the app runs: a connected satellite's rounds when due, as `slr authority serve` runs them (the
 * record read again every minute, so that an enrolment made in the app or a `sync now` elsewhere is seen).
 * No License Central here, or one that is no connected satellite: nothing to do, looked at again later.
 */
export function appRounds(p: SatellitePorts & Partial<Pick<ScheduleOptions, 'timers' | 'onRound'>>): Schedule {
  return scheduleRounds({
    due: async () => {
      try {
        const role = await p.local((l) => l.parentOf());
        return role?.mode === 'connected' ? role.retryAt : Infinity;
      } catch (e) {
        if (isSlrError(e)) return Infinity;
        throw e;
      }
    },
    round: (now) => p.local((l) => l.syncNow(now, p.linkFor)),
    clock: p.now,
    timers: p.timers,
    onRound: p.onRound,
  });
}
