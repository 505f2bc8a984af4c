/**
 * Offline usage reports at License Central: `usage import` (a reserved device's report in, its signed
 * acknowledgement out), `usage policy` (when a silent instance is flagged) and `show usage-reports`.
 */
import { formatInstant } from '../../../shared/codes/dates.ts';
import { MAX_REPORT_CHARS } from '../../../shared/codes/usage-report.ts';
import { counted } from '../../../shared/lifetime.ts';
import { shortName } from '../../../shared/instance/status-text.ts';
import { codeFileName, readCodeFile } from '../../platform/files.ts';
import { localPath } from '../paths.ts';
import { UsageError } from '../output.ts';
import { days } from './args.ts';
import { printTable } from './show.ts';
import type { Verb } from './verb.ts';

/** `--silent-after 30`, `30d`, or `off`. */
function silentAfter(text: string | undefined): number | null {
  if (text === undefined) throw new UsageError('Give --silent-after DAYS (1 to 3650; 30 or 30d), or --silent-after off.');
  return text.trim() === 'off' ? null : days(text, '--silent-after', ' or off');
}

/** Licenses by short name: `UCM_Basic=7 UCM_Enhanced=2` ("-" for none). */
const shortList = (usage: Readonly<Record<string, number>>): string =>
  Object.entries(usage)
    .map(([tag, n]) => `${shortName(tag)}=${n}`)
    .join(' ') || '-';

const FLAG_WORDS = { 'over-reserved': 'OVER RESERVED', silent: 'SILENT' } as const;

export const USAGE_VERBS: readonly Verb[] = [
  {
    words: 'usage import',
    usage: '<usage report file> [--out FILE|DIR]',
    summary:
      "Import a reserved device's offline usage report (`license smart usage report` on the device): its signature checked with the device key, recorded once, and answered with a signed acknowledgement the device imports (`license smart usage acknowledge`). The same report again writes the same acknowledgement and counts nothing twice.",
    example: 'slr authority usage import /media/usb/cc920-usage-report.txt --out /media/usb/',
    options: ['out'],
    positionals: ['usage report file'],
    run: async ({ positionals, ctx, say, out, withLedger }) => {
      const report = readCodeFile(localPath(positionals[0]!), MAX_REPORT_CHARS);
      const r = await withLedger((l) => l.importUsageReport({ report }, ctx.now));
      const file =
        out?.write(
          codeFileName(r.sn, 'usage-ack'),
          r.ack,
          `slr authority usage import ${positionals[0]} --out FILE (the same report writes the same acknowledgement)`,
        ) ?? null;
      if (ctx.json) return say('', { ...r, file });
      for (const w of r.warnings) ctx.io.err(`WARNING: ${w}`);
      ctx.io.err(`${r.message}\nOn the device: license smart usage acknowledge ${file ?? 'FILE'}`);
      if (file) ctx.io.err(`Acknowledgement written to ${file}.`);
      else ctx.io.out(r.ack);
    },
  },
  {
    words: 'usage policy',
    usage: '--silent-after DAYS|off',
    summary:
      'Flag a reserved instance SILENT in `show usage-reports` when License Central has had no usage report from it for DAYS (since its reservation, if none yet); off: never (logged).',
    example: 'slr authority usage policy --silent-after 30d',
    options: ['silent-after'],
    required: ['silent-after'],
    run: async ({ values, ctx, say, withLedger }) => {
      const days = silentAfter(values['silent-after']);
      await withLedger((l) => l.setUsagePolicy({ silentAfterDays: days }, ctx.now));
      say(
        days === null
          ? 'No silence policy: no instance is flagged silent.'
          : `A reserved instance without a usage report for ${counted(days, 'day')} is flagged SILENT.`,
        {
          silentAfterDays: days,
        },
      );
    },
  },
  {
    words: 'show usage-reports',
    usage: '[--account VA] [--csv]',
    summary:
      'Per reserved product instance: its last offline usage report (number, when made and imported, status, usage) and its flags: OVER RESERVED (the report uses more than is reserved), SILENT (no report for longer than the policy).',
    example: 'slr authority show usage-reports --account Lab',
    options: ['account', 'csv'],
    run: async (call) => {
      const { values, ctx, withLedger } = call;
      const r = await withLedger((l) => l.usageReports(ctx.now, values.account));
      if (ctx.json) return ctx.io.out(JSON.stringify({ ok: true, ...r }));
      if (!r.lines.length && !values.csv) return ctx.io.out('No product instance has reserved licenses.');
      printTable(
        call,
        ['Virtual Account', 'Product Instance', 'Last Report', 'Made', 'Imported', 'Status', 'Usage', 'Flags'],
        r.lines.map((l) => [
          l.satellite ? `${l.account} (satellite ${l.satellite})` : l.account,
          l.udi,
          l.last ? `#${l.last.seq}` : 'never',
          l.last ? formatInstant(l.last.madeAt) : '-',
          l.last ? formatInstant(l.last.importedAt) : '-',
          l.last?.status ?? '-',
          l.last ? shortList(l.last.usage) : '-',
          l.flags.map((f) => FLAG_WORDS[f]).join(', ') || '-',
        ]),
      );
      if (!values.csv)
        ctx.io.out(
          r.silentAfterDays === null
            ? 'Silence policy: none (set one with `slr authority usage policy --silent-after 30d`).'
            : `Silence policy: flagged SILENT after ${counted(r.silentAfterDays, 'day')} without a report.`,
        );
    },
  },
];
