/**
 * `slr authority …`: the license authority (the seeds' License Central) on the command line. Every verb is
 * one entry of VERBS: its words, options (which are required), positional arguments, usage, help and handler.
 * The parser, the usage text and the per-verb help (`slr authority <verb> --help`) are derived from it.
 */
import { parseArgs } from 'node:util';
import { formatInstant, parseIsoDate } from '../../shared/codes/dates.ts';
import type { Ledger } from '../services/authority/ledger.ts';
import type { LedgerPort } from '../services/authority/ledger-port.ts';
import { codeFileName, readCodeFile } from '../services/files.ts';
import { LIMITS } from '../../shared/limits.ts';
import { parseKeyBackup } from '../services/authority/key-escrow.ts';
import { checkedOutput, type OutputFile } from './output-files.ts';
import { codeArg, count, GLOBAL_OPTIONS, licenses, OPTIONS, passphraseSecret, readPassphrase, type Option, type Values } from './authority-args.ts';
import { EXIT_CODES } from './instance-commands.ts';
import { UsageError, type Io } from './output.ts';
import { showEvents, showInstances, showLicenses } from './authority-show.ts';
import { KEY_VERBS } from './authority-key-verbs.ts';
import { CODE_VERBS } from './authority-code-verbs.ts';

export interface AuthorityContext {
  readonly io: Io;
  readonly json: boolean;
  readonly now: number;
  readonly home: string;
  /** The ledger, as the composition root hands it over. */
  readonly ledger: LedgerPort;
}

/** What a verb's handler gets: its options and positionals, and the ways to answer. */
export interface Call {
  readonly values: Values;
  readonly positionals: readonly string[];
  readonly ctx: AuthorityContext;
  say(text: string, json: object): void;
  /** Answers with an issued authorization code: to --out, or on stdout. */
  issued(what: string, r: { code: string; sn: string; udi: string; piid: string }): void;
  withLedger<T>(fn: (l: Ledger) => Promise<T>, create?: boolean): Promise<T>;
  /** --out, checked before the verb runs. */
  readonly out: OutputFile | null;
}

export interface Verb {
  /** The words after `slr authority`: `reserve`, `key export`, `show licenses`. */
  readonly words: string;
  /** Options and positionals as the usage line shows them. */
  readonly usage: string;
  readonly summary: string;
  readonly example: string;
  readonly options: readonly Option[];
  readonly required?: readonly Option[];
  /** Names of the positional arguments after the options (all required). */
  readonly positionals?: readonly string[];
  readonly run: (call: Call) => Promise<void>;
}

const INSTANCE = '--instance <UDI or SN>';

export const VERBS: readonly Verb[] = [
  {
    words: 'init',
    usage: '--account "<smart account name>" [--passphrase-file FILE] [--restore-keys BACKUP]',
    summary:
      'Create the license authority: the smart account, the virtual account "Default" and its first signing key (encrypted under the passphrase, if given), or the keys of a key backup (--restore-keys, with its passphrase).',
    example: 'slr authority init --account "Acme Corp" --passphrase-file /secure/passphrase.txt',
    options: ['account', 'restore-keys'],
    required: ['account'],
    run: async ({ values, ctx, say, withLedger }) => {
      const file = values['restore-keys'];
      if (file && !values['passphrase-file']) throw new UsageError('--restore-keys needs --passphrase-file: the passphrase of the key backup.');
      const backup = file ? parseKeyBackup(readCodeFile(file, LIMITS.keyBackupBytes), readPassphrase(values['passphrase-file']!)) : undefined;
      const r = await withLedger((l) => l.init(values.account!, ctx.now, backup), true);
      const keys = r.protection === 'plaintext' ? 'not encrypted (give --passphrase-file to encrypt them; see key protect)' : `encrypted (${r.protection})`;
      say(
        `License authority "${values.account}" created in ${ctx.home}, with virtual account "Default".\nSigning key ${r.keyId}${backup ? ' (restored)' : ''}, ${keys}: export it with \`slr authority key export --out FILE\` for devices to trust.`,
        r,
      );
    },
  },
  ...KEY_VERBS,
  {
    words: 'account add',
    usage: '<virtual account>',
    summary: 'Create a virtual account.',
    example: 'slr authority account add Lab',
    options: [],
    positionals: ['virtual account'],
    run: async ({ positionals, ctx, say, withLedger }) => {
      await withLedger((l) => l.addAccount(positionals[0]!, ctx.now));
      say(`Virtual account "${positionals[0]}" created.`, { account: positionals[0] });
    },
  },
  {
    words: 'license add',
    usage: '--account VA --tag TAG --count N [--type TERM --start YYYY-MM-DD --end YYYY-MM-DD]',
    summary: 'Add purchased licenses to a virtual account: PERPETUAL, or TERM between two dates.',
    example: 'slr authority license add --account Default --tag UCM_Basic --count 100',
    options: ['account', 'tag', 'count', 'type', 'start', 'end'],
    required: ['account', 'tag', 'count'],
    run: async ({ values, ctx, say, withLedger }) => {
      const type = (values.type ?? 'PERPETUAL').toUpperCase();
      if (type !== 'PERPETUAL' && type !== 'TERM') throw new UsageError('--type is PERPETUAL or TERM.');
      if (type === 'TERM' && (!values.start || !values.end)) throw new UsageError('--type TERM needs --start and --end.');
      if (type !== 'TERM' && (values.start || values.end)) throw new UsageError('--start and --end go with --type TERM.');
      const term = type === 'TERM' ? { start: parseIsoDate(values.start!, '--start'), end: parseIsoDate(values.end!, '--end') } : undefined;
      const n = count(values.count, '--count');
      await withLedger((l) => l.addLicenses({ account: values.account!, tag: values.tag!, count: n, term }, ctx.now));
      say(`${n} x ${values.tag} added to "${values.account}".`, { account: values.account, tag: values.tag, count: n });
    },
  },
  {
    words: 'reserve',
    usage: '--account VA --request "<request code>" --license TAG=N [--license …] [--out FILE|DIR]',
    summary: 'Reserve licenses for the device of a request code, from what is available; issues its authorization code.',
    example: 'slr authority reserve --account Default --request @/media/usb/cc920-request.txt --license UCM_Basic=10 --out /media/usb/',
    options: ['account', 'request', 'license', 'out'],
    required: ['account', 'request'],
    run: async ({ values, ctx, issued, withLedger }) => {
      const r = await withLedger((l) => l.reserve({ account: values.account!, request: codeArg(values.request!), licenses: licenses(values) }, ctx.now));
      issued(`Licenses reserved (reservation ${r.piid}). Install the code on the device: license smart reservation install-file <file>.`, r);
    },
  },
  {
    words: 'update',
    usage: `${INSTANCE} --license TAG=N [--license …] [--out FILE|DIR]`,
    summary:
      "Change a reservation (N=0 removes a license; others are kept); issues a new authorization code. What a decrease frees stays in transition until the device's confirmation code.",
    example: 'slr authority update --instance cc920 --license UCM_Basic=4 --out /media/usb/',
    options: ['instance', 'license', 'out'],
    required: ['instance'],
    run: async ({ values, ctx, issued, withLedger }) => {
      const r = await withLedger((l) => l.update({ instance: values.instance!, licenses: licenses(values) }, ctx.now));
      issued(
        `Reservation updated.${r.inTransition ? ` ${r.inTransition} license(s) stay in transition until the device's confirmation code is entered (slr authority confirm).` : " Nothing is in transition (no license decreased): the device's confirmation code, entered with slr authority confirm, records that it runs this code."}`,
        r,
      );
    },
  },
  {
    words: 'confirm',
    usage: `${INSTANCE} "<confirmation code>"`,
    summary: 'Enter the confirmation code the device showed after installing an update: releases what was in transition.',
    example: 'slr authority confirm --instance cc920 F8X9M-D8DV4',
    options: ['instance'],
    required: ['instance'],
    positionals: ['confirmation code'],
    run: async ({ values, positionals, ctx, say, withLedger }) => {
      const r = await withLedger((l) => l.confirm({ instance: values.instance!, code: codeArg(positionals[0]!) }, ctx.now));
      say(
        `Confirmation code accepted for ${r.udi}: the device runs the code of ${formatInstant(r.codeOf)}; ${r.released ? `${r.released} license(s) released from transition to the pool` : 'nothing was in transition, so nothing is released (the update did not decrease any license)'}.`,
        r,
      );
    },
  },
  {
    words: 'remove',
    usage: `${INSTANCE} --return-code "<return code>"`,
    summary: 'Remove a product instance with its return code: its licenses go back to the pool.',
    example: 'slr authority remove --instance cc920 --return-code @/media/usb/cc920-return.txt',
    options: ['instance', 'return-code'],
    required: ['instance', 'return-code'],
    run: async ({ values, ctx, say, withLedger }) => {
      const r = await withLedger((l) => l.remove({ instance: values.instance!, returnCode: codeArg(values['return-code']!) }, ctx.now));
      say(`Product instance ${r.udi} removed: ${r.released} license(s) returned to the pool.`, r);
    },
  },
  {
    words: 'rehost',
    usage: `${INSTANCE} --request "<new request code>" --reason "<text>" [--out FILE|DIR]`,
    summary: "Move a failed product's licenses to the device of a new request code (or to a fresh request of the same device).",
    example: 'slr authority rehost --instance cc920 --request @/media/usb/ab123-request.txt --reason "disk failure, RMA 1234"',
    options: ['instance', 'request', 'reason', 'out'],
    required: ['instance', 'request', 'reason'],
    run: async ({ values, ctx, issued, withLedger }) => {
      const r = await withLedger((l) => l.rehost({ instance: values.instance!, request: codeArg(values.request!), reason: values.reason! }, ctx.now));
      issued(`Licenses rehosted to ${r.udi} (reservation ${r.piid}); the failed product can no longer confirm or return.`, r);
    },
  },
  {
    words: 'transfer',
    usage: `${INSTANCE} --to VA`,
    summary: 'Move a product instance, with its reserved licenses, to another virtual account.',
    example: 'slr authority transfer --instance cc920 --to Lab',
    options: ['instance', 'to'],
    required: ['instance', 'to'],
    run: async ({ values, ctx, say, withLedger }) => {
      await withLedger((l) => l.transfer({ instance: values.instance!, to: values.to! }, ctx.now));
      say(`Product instance transferred to "${values.to}" with its reserved licenses.`, { to: values.to });
    },
  },
  {
    words: 'transfer-licenses',
    usage: '--from VA --to VA --tag TAG --count N',
    summary: 'Move available licenses between virtual accounts.',
    example: 'slr authority transfer-licenses --from Default --to Lab --tag UCM_Basic --count 5',
    options: ['from', 'to', 'tag', 'count'],
    required: ['from', 'to', 'tag', 'count'],
    run: async ({ values, ctx, say, withLedger }) => {
      const n = count(values.count, '--count');
      await withLedger((l) => l.transferLicenses({ from: values.from!, to: values.to!, tag: values.tag!, count: n }, ctx.now));
      say(`${n} x ${values.tag} transferred from "${values.from}" to "${values.to}".`, { from: values.from, to: values.to, tag: values.tag, count: n });
    },
  },
  {
    words: 'unlock',
    usage: INSTANCE,
    summary: 'Unlock a product instance locked after 5 wrong codes in a row (logged).',
    example: 'slr authority unlock --instance cc920',
    options: ['instance'],
    required: ['instance'],
    run: async ({ values, ctx, say, withLedger }) => {
      await withLedger((l) => l.unlock({ instance: values.instance! }, ctx.now));
      say('Product instance unlocked.', { instance: values.instance });
    },
  },
  ...CODE_VERBS,
  {
    words: 'show licenses',
    usage: '[--account VA] [--csv]',
    summary: 'The Licenses table: per virtual account and license, purchased / reserved / in transition / available, and expiry.',
    example: 'slr authority show licenses --account Default',
    options: ['account', 'csv'],
    run: (call) => showLicenses(call),
  },
  {
    words: 'show instances',
    usage: '[--account VA] [--all] [--csv]',
    summary: 'The product instances with their reserved licenses (--all: removed and failed ones too).',
    example: 'slr authority show instances --all',
    options: ['account', 'all', 'csv'],
    run: (call) => showInstances(call),
  },
  {
    words: 'show events',
    usage: '[--account VA] [--csv] [--verify]',
    summary: 'The event log: who did what, when, with which code. --verify checks its chain of hashes and names the first event that was changed.',
    example: 'slr authority show events --verify',
    options: ['account', 'csv', 'verify'],
    run: (call) => showEvents(call),
  },
];

const usageOf = (v: Verb) => `slr authority ${v.words}${v.usage ? ` ${v.usage}` : ''}`;

export const AUTHORITY_USAGE = [
  'Usage: slr authority [--home DIR] [--json] <command>',
  '',
  ...VERBS.map((v) => `  ${usageOf(v)}`),
  '',
  'TAG is a full entitlement tag or a catalog short name (UCM_Basic, CUC_BasicMessaging, …).',
  '--request and the codes also accept @FILE to read them from a file.',
  "slr authority <command> --help: that command's help.",
  '',
  EXIT_CODES,
].join('\n');

/** The verb a command line names by its first words (the longest match). */
export function findVerb(args: readonly string[]): Verb | undefined {
  const leading = args.slice(0, args.findIndex((a) => a.startsWith('-')) >>> 0);
  return VERBS.filter((v) => v.words.split(' ').every((w, i) => leading[i] === w)).sort((a, b) => b.words.length - a.words.length)[0];
}

export function verbHelp(v: Verb): string {
  const required = (v.required ?? []).map((o) => `--${o}`).join(', ');
  return [
    `Usage: ${usageOf(v)} [--home DIR] [--json] [--passphrase-file FILE]`,
    '',
    v.summary,
    ...(required ? ['', `Required: ${required}.`] : []),
    '',
    `Example: ${v.example}`,
    '',
    EXIT_CODES,
  ].join('\n');
}

function parse(v: Verb, args: readonly string[]): { values: Values; positionals: string[] } {
  const wrong = (why: string) => new UsageError(why, verbHelp(v));
  const options = Object.fromEntries([...v.options, ...GLOBAL_OPTIONS].map((o) => [o, OPTIONS[o]]));
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] };
  } catch (e) {
    throw wrong(`${(e as Error).message.split('\n')[0]} (slr authority ${v.words})`);
  }
  const missing = (v.required ?? []).filter((o) => parsed.values[o] === undefined);
  if (missing.length) throw wrong(`Missing ${missing.map((m) => `--${m}`).join(', ')} (slr authority ${v.words}).`);
  const want = v.positionals ?? [];
  if (parsed.positionals.length !== want.length) {
    throw wrong(want.length ? `slr authority ${v.words} takes ${want.map((p) => `<${p}>`).join(' ')}.` : `Unexpected argument "${parsed.positionals[0]}".`);
  }
  return parsed;
}

export async function authorityCommand(args: readonly string[], ctx: AuthorityContext): Promise<void> {
  const verb = findVerb(args);
  if (!verb) {
    const words = args
      .filter((a) => !a.startsWith('-'))
      .slice(0, 2)
      .join(' ');
    throw new UsageError(words ? `Unknown command: slr authority ${words}` : 'Usage: slr authority <command> (see slr authority --help)');
  }
  const { values, positionals } = parse(verb, args.slice(verb.words.split(' ').length));
  const say = (text: string, json: object) => ctx.io.out(ctx.json ? JSON.stringify({ ok: true, ...json }) : text);
  // --out is checked before anything changes: a target that cannot be written refuses the command.
  const out = checkedOutput(values.out);
  await verb.run({
    values,
    positionals,
    ctx,
    say,
    out,
    withLedger: (fn, create = false) => ctx.ledger(fn, { create, keySecret: passphraseSecret(values['passphrase-file']) }),
    issued: (what, r) => {
      const file = out?.write(codeFileName(r.sn, 'authorization'), r.code, `slr authority code --instance ${r.sn} --out ${values.out}`) ?? null;
      if (ctx.json) return say('', { ...r, file });
      // The code alone on stdout; what it is and what to do with it on stderr.
      ctx.io.err(file ? `${what}\nAuthorization code for ${r.udi} written to ${file}.` : `${what}\nAuthorization code for ${r.udi}:`);
      ctx.io.out(r.code);
    },
  });
}
