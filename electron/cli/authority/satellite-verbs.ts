/**
 * `slr authority satellite …`, `sync …` and `show satellites`: a parent License Central and its satellites,
 * kept in step by signed, numbered files carried by hand (disconnected mode) or over HTTPS (connected mode).
 * Each works on the home's own ledger: a satellite is its own License Central.
 */
import { MAX_SYNC_FILE, parseSyncFile, payloadOf } from '../../../shared/authority/sync-file.ts';
import { SlrError } from '../../../shared/errors.ts';
import { parentServer } from './sync-rounds.ts';
import { roundJson, roundText } from '../../authority/satellite/round-text.ts';
import { findAnyEntitlement } from '../../../shared/catalog.ts';
import { formatInstant } from '../../../shared/codes/dates.ts';
import { readCodeFile } from '../../platform/files.ts';
import { UsageError } from '../output.ts';
import { count, licenses } from './args.ts';
import type { Verb } from './verb.ts';

const readSyncFile = (path: string) => readCodeFile(path, MAX_SYNC_FILE);
const short = (tag: string) => findAnyEntitlement(tag)?.def.short ?? tag;
const when = (t: number | null) => (t === null ? 'never' : formatInstant(t));

export const SATELLITE_VERBS: readonly Verb[] = [
  {
    words: 'satellite add',
    usage: '<name> --out FILE [--mode disconnected|connected] [--server URL [--fingerprint FP]] [--interval MINUTES] [--replace]',
    summary:
      "On the parent: add a satellite License Central and write its one-time enrolment file (keep it like a password until the satellite has enrolled). Connected: the satellite synchronises by itself every --interval minutes (default 60) with this License Central's server at --server (its certificate's fingerprint from this home, or --fingerprint). --replace invites a satellite already added to enrol again (restored or rebuilt); its allocations stay.",
    example: 'slr authority satellite add "Plant 4" --out /media/usb/plant4-enrolment.json',
    options: ['out', 'mode', 'server', 'fingerprint', 'interval', 'replace'],
    required: ['out'],
    positionals: ['name'],
    where: 'local',
    run: async ({ values, positionals, ctx, say, withLocalLedger, out }) => {
      const mode = values.mode ?? 'disconnected';
      if (mode !== 'disconnected' && mode !== 'connected') throw new UsageError(`--mode is disconnected or connected, not "${mode}".`);
      if (mode === 'connected' && !values.server)
        throw new UsageError(
          "A connected satellite reaches this License Central's server: give --server https://HOST:PORT (where `slr authority serve` listens).",
        );
      if (mode === 'disconnected' && (values.server || values.fingerprint)) throw new UsageError('--server and --fingerprint are for --mode connected.');
      const intervalMinutes = values.interval === undefined ? 60 : count(values.interval, '--interval');
      const server = mode === 'connected' ? await parentServer(values.server!, values.fingerprint, ctx.home) : { url: null, fingerprint: null };
      const r = await withLocalLedger((l) =>
        l.addSatellite({ name: positionals[0]!, mode, intervalMinutes, ...server, replace: values.replace === true }, ctx.now),
      );
      const path = out!.write(`${positionals[0]}-enrolment.json`, r.text, `slr authority satellite add "${positionals[0]}" --replace --out FILE`, 0o600);
      const next =
        mode === 'connected'
          ? `On the satellite: slr authority satellite enrol ${path} (it then synchronises with ${server.url} by itself while \`slr authority serve\` runs there).`
          : `On the satellite: slr authority satellite enrol ${path} --out REPLY, then here: slr authority sync import REPLY --out ANSWER.`;
      say(`Satellite "${positionals[0]}" ${values.replace ? 'invited to enrol again' : 'added'}; its enrolment file is ${path}.\n${next}`, {
        satellite: positionals[0],
        mode,
        file: path,
      });
    },
  },
  {
    words: 'satellite enrol',
    usage: '<enrolment file> [--out FILE]',
    summary:
      "On a new License Central (made with `init`, holding no licenses yet): enrol as the satellite its parent's file names. Disconnected: writes the reply the parent imports with `sync import` (--out, required). Connected: sends it to the parent and synchronises at once (--out also writes it, to carry if the network is down).",
    example: 'slr authority satellite enrol /media/usb/plant4-enrolment.json --out /media/usb/plant4-reply.json',
    options: ['out'],
    positionals: ['enrolment file'],
    where: 'local',
    run: async ({ values, positionals, ctx, say, withLocalLedger, out }) => {
      const envelope = parseSyncFile(readSyncFile(positionals[0]!));
      const mode = envelope.kind === 'enrolment' ? payloadOf(envelope, 'enrolment').mode : null;
      if (mode === 'disconnected' && !values.out) throw new UsageError('A disconnected satellite carries its reply to the parent: give --out FILE.');
      const r = await withLocalLedger((l) => l.enrol(envelope, ctx.now));
      const path = values.out
        ? out!.write(`${r.role.name}-reply.json`, r.reply.text, 'enrol again with a new file from the parent (satellite add --replace)')
        : null;
      if (r.role.mode === 'disconnected')
        return say(
          `Enrolled as satellite "${r.role.name}" of "${r.role.smartAccount}". Carry ${path} to the parent: slr authority sync import ${path} --out ANSWER.`,
          {
            satellite: r.role.name,
            parent: r.role.smartAccount,
            file: path,
          },
        );
      const round = await withLocalLedger((l) => l.syncNow(ctx.now));
      const head = `Enrolled as satellite "${r.role.name}" of "${r.role.smartAccount}" (connected, every ${r.role.intervalMinutes} minutes).`;
      // Enrolled either way (exit 0); a first round that failed is a warning, the reply is sent at the next round.
      if (!round.ok && !ctx.json) ctx.io.err(`Warning: ${roundText(round)}`);
      say(round.ok ? `${head}\n${roundText(round)}` : head, { satellite: r.role.name, parent: r.role.smartAccount, file: path, round: roundJson(round) });
    },
  },
  {
    words: 'satellite allocate',
    usage: '<name> --account VA --license TAG=N [--license …]',
    summary:
      'On the parent: set what a satellite holds of a license in a virtual account (N in all). More is blocked here at once; less comes back once the satellite has let it go (at a later synchronisation).',
    example: 'slr authority satellite allocate "Plant 4" --account Default --license UCM_Basic=20',
    options: ['account', 'license'],
    required: ['account', 'license'],
    positionals: ['name'],
    where: 'local',
    run: async ({ values, positionals, ctx, say, withLocalLedger }) => {
      const r = await withLocalLedger((l) => l.allocate({ satellite: positionals[0]!, account: values.account!, licenses: licenses(values) }, ctx.now));
      say(`Satellite "${positionals[0]}": ${r.lines.join('; ')}. It learns of this at its next synchronisation.`, {
        satellite: positionals[0],
        lines: r.lines,
      });
    },
  },
  {
    words: 'sync export',
    usage: '--out FILE',
    summary: 'On a satellite: write its numbered sync file for the parent (what it holds, its events since the last the parent acknowledged).',
    example: 'slr authority sync export --out /media/usb/',
    options: ['out'],
    required: ['out'],
    where: 'local',
    run: async ({ ctx, say, withLocalLedger, out }) => {
      const r = await withLocalLedger((l) => l.syncExport(ctx.now));
      const path = out!.write(`sync-${r.seq}.json`, r.text, 'slr authority sync export --out FILE (a new number; the parent applies the newest)');
      say(`Sync file ${r.seq} written to ${path} (${r.events} events). Carry it to the parent: slr authority sync import ${path} --out ANSWER.`, {
        seq: r.seq,
        events: r.events,
        file: path,
      });
    },
  },
  {
    words: 'sync import',
    usage: '<sync file> [--out FILE]',
    summary:
      "Apply a sync file: on the parent, a satellite's enrolment reply or sync file (the answer goes to --out, required); on a satellite, the parent's answer.",
    example: 'slr authority sync import /media/usb/sync-3.json --out /media/usb/',
    options: ['out'],
    positionals: ['sync file'],
    where: 'local',
    run: async ({ positionals, ctx, say, withLocalLedger, out, values }) => {
      const parsed = parseSyncFile(readSyncFile(positionals[0]!));
      if (parsed.kind !== 'down' && !values.out) throw new UsageError(`A ${parsed.kind} file is answered: give --out FILE for the answer to carry back.`);
      const r = await withLocalLedger((l) => l.syncImport(parsed, ctx.now));
      if (!r.answer) return say(r.summary, { kind: r.kind, summary: r.summary });
      const path = out!.write(`${r.satellite}-answer.json`, r.answer.text, 'have the satellite export a new file, and import that');
      say(`${r.summary}\nAnswer written to ${path}: carry it to the satellite: slr authority sync import ${path}.`, {
        kind: r.kind,
        summary: r.summary,
        file: path,
      });
    },
  },
  {
    words: 'sync now',
    usage: '',
    summary:
      'On a connected satellite: synchronise with the parent now (its server, pinned by the enrolment file), as `slr authority serve` does by itself every interval. A failure changes nothing its devices see; it is retried with back-off.',
    example: 'slr authority sync now',
    options: [],
    where: 'local',
    run: async ({ ctx, say, withLocalLedger }) => {
      const round = await withLocalLedger((l) => l.syncNow(ctx.now));
      if (!round.ok)
        throw new SlrError(
          round.error.code,
          `${round.error.message} (Failed rounds in a row: ${round.failures}; the next from ${formatInstant(round.nextAt)}.)`,
          round.error.hint,
        );
      say(roundText(round), roundJson(round));
    },
  },
  {
    words: 'show satellites',
    usage: '',
    summary: 'On a parent: each satellite, its mode, last synchronisation, what it holds and what is pending. On a satellite: its parent and the last round.',
    example: 'slr authority show satellites',
    options: [],
    where: 'local',
    run: async ({ say, withLocalLedger }) => {
      const [lines, parent] = await withLocalLedger(async (l) => [await l.satellites(), await l.parentOf()] as const);
      if (parent) {
        const text = [
          `Satellite "${parent.name}" of "${parent.smartAccount}" (${parent.mode}), enrolled ${formatInstant(parent.enrolledAt)}.`,
          `Last answer applied: ${parent.downSeq} (${when(parent.lastSyncAt)}); files written: ${parent.upSeq}, the parent has applied up to ${parent.upApplied}.`,
          `Allocated: ${parent.targets.map((t) => `${short(t.tag)} ${t.target} in "${t.account}"`).join(', ') || 'nothing yet'}.`,
          ...(parent.mode === 'connected'
            ? [
                `Parent's server: ${parent.url} (pinned ${parent.fingerprint}); every ${parent.intervalMinutes} minutes, next round ${parent.retryAt === null ? 'at once' : `from ${formatInstant(parent.retryAt)}`}${parent.replyPending ? '; the enrolment reply is not yet taken by the parent' : ''}.`,
                ...(parent.lastError ? [`LAST ROUND FAILED (${parent.failures} in a row): ${parent.lastError}`] : []),
              ]
            : []),
        ].join('\n');
        return say(text, { role: 'satellite', parent });
      }
      if (!lines.length)
        return say(`No satellites (this License Central stands alone). Add one: slr authority satellite add NAME --out FILE.`, {
          role: 'parent',
          satellites: [],
        });
      const text = lines
        .map((s) => {
          const pending = s.allocations.reduce((n, a) => n + a.blocked - a.target, 0);
          return [
            `${s.name}  ${s.mode}, ${s.state}; last synchronised ${when(s.lastSyncAt)}; files applied ${s.filesApplied}, answers ${s.answersApplied} of ${s.answersWritten} applied there; ${s.events} events held`,
            `  allocated: ${s.allocations.map((a) => `${short(a.tag)} ${a.target} in "${a.account}"`).join(', ') || 'nothing'}${pending ? `; ${pending} to come back once it has let them go` : ''}`,
            `  holds (as reported): ${s.holdings.map((h) => `${short(h.tag)} ${h.blocked} of ${h.count} reserved in "${h.account}"`).join(', ') || 'nothing reported yet'}`,
            ...(s.problem ? [`  PROBLEM: ${s.problem}`] : []),
          ].join('\n');
        })
        .join('\n');
      say(text, { role: 'parent', satellites: lines });
    },
  },
];
