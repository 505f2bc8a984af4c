/**
 * The authority verbs that keep its keys, its clock and its ledger file: `key export|add|retire|list`,
 * `clock accept`, `backup`. Entries of the verb table (authority-cli.ts), kept here by theme.
 */
import { formatInstant } from '../../shared/codes/dates.ts';
import { writeTextFile } from '../services/files.ts';
import type { Verb } from './authority-cli.ts';
import { table } from './output.ts';

export const KEY_VERBS: readonly Verb[] = [
  {
    words: 'key export',
    usage: '[--id ID] [--out FILE]',
    summary: 'Write the key file devices trust (slr license trust add), with the endorsements that let devices trusting an older key accept it.',
    example: 'slr authority key export --out /media/usb/license-central.pem',
    options: ['id', 'out'],
    run: async ({ values, ctx, say, withLedger }) => {
      const k = await withLedger((l) => l.exportKey(values.id));
      if (values.out) {
        writeTextFile(values.out, k.file);
        return say(`Key file for signing key ${k.id} written to ${values.out}.`, { keyId: k.id, file: values.out });
      }
      if (ctx.json) return say('', { keyId: k.id, publicKey: k.pem, keyFile: k.file });
      ctx.io.out(k.file);
    },
  },
  {
    words: 'key add',
    usage: '',
    summary: 'Make a new signing key, endorsed by the current one; it signs new codes from now on.',
    example: 'slr authority key add',
    options: [],
    run: async ({ ctx, say, withLedger }) => {
      const r = await withLedger((l) => l.addKey(ctx.now));
      say(
        `Signing key ${r.keyId} added${r.endorsedBy ? `, endorsed by key ${r.endorsedBy}` : ''}; new codes are signed with it. Export it (key export --out FILE) and add that file on devices before they install such codes.`,
        r,
      );
    },
  },
  {
    words: 'key retire',
    usage: '<id>',
    summary: 'Stop a signing key signing new codes; it still checks the confirmation and return codes of what it signed.',
    example: 'slr authority key retire 1a2b3c4d5e6f7a8b',
    options: [],
    positionals: ['id'],
    run: async ({ positionals, ctx, say, withLedger }) => {
      await withLedger((l) => l.retireKey(positionals[0]!, ctx.now));
      say(`Signing key ${positionals[0]} retired.`, { keyId: positionals[0] });
    },
  },
  {
    words: 'key list',
    usage: '',
    summary: 'List the signing keys: created, retired, which signs new codes, which endorsed it.',
    example: 'slr authority key list',
    options: [],
    run: async ({ ctx, say, withLedger }) => {
      const keys = await withLedger((l) => l.keys());
      if (ctx.json) return say('', { keys });
      ctx.io.out(
        table(
          ['Key id', 'Created', 'Retired', 'Signs new codes', 'Endorsed by'],
          keys.map((k) => [k.id, formatInstant(k.createdAt), k.retiredAt ? formatInstant(k.retiredAt) : '-', k.active ? 'yes' : 'no', k.endorsedBy ?? '-']),
        ),
      );
    },
  },
  {
    words: 'clock accept',
    usage: '--reason "<text>"',
    summary: "Accept this computer's clock as the latest time seen, after a clock that ran ahead was put right (logged).",
    example: 'slr authority clock accept --reason "clock ran a year ahead after a BIOS reset"',
    options: ['reason'],
    required: ['reason'],
    run: async ({ values, ctx, say, withLedger }) => {
      const r = await withLedger((l) => l.acceptClock(values.reason!, ctx.now));
      say(`The clock (${formatInstant(ctx.now)}) is accepted as the latest time seen${r.from === null ? '' : ` (it was ${formatInstant(r.from)})`}.`, {
        from: r.from,
        now: ctx.now,
      });
    },
  },
  {
    words: 'backup',
    usage: '--out FILE',
    summary:
      "Write a consistent copy of the ledger (SQLite's backup API, while it is in use), signing keys included, readable by its owner only (mode 0600). Keep it as safe as the keys. For PostgreSQL use pg_dump.",
    example: 'slr authority backup --out /secure/license-central-2026-11-23.sqlite',
    options: ['out'],
    required: ['out'],
    run: async ({ values, say, withLedger }) => {
      const r = await withLedger((l) => l.backup(values.out!));
      say(`Ledger backed up to ${r.path} (${r.pages} pages, mode 0600).`, r);
    },
  },
];
