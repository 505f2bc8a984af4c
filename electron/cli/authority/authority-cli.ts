/**
 * `slr authority …`: the license authority (the seeds' License Central) on the command line. Every verb is
 * one entry of VERBS: its words, options (which are required), positional arguments, usage, help and handler.
 * The parser, the usage text and the per-verb help (`slr authority <verb> --help`) are derived from it.
 */
import { parseArgs } from 'node:util';
import { closest } from '../did-you-mean.ts';
import { defaultActor, type Ledger } from '../../authority/ledger.ts';
import { refuse } from '../../../shared/errors.ts';
import type { KeySecret } from '../../authority/keys/key-storage.ts';
import { SERVER_VERBS } from './server-verbs.ts';
import { TOKEN_VERBS } from './token-verbs.ts';
import { WEBHOOK_VERBS } from './webhook-verbs.ts';
import { codeFileName, readCodeFile } from '../../platform/files.ts';
import { LIMITS } from '../../../shared/limits.ts';
import { parseKeyBackup } from '../../authority/keys/key-escrow.ts';
import { checkedOutput } from '../output-files.ts';
import { homeMayMoveTo, movedLedger, pointHomeAt } from '../../authority/ledger-location.ts';
import { describeDatabase } from '../../authority/db/database-url.ts';
import { GLOBAL_OPTIONS, OPTIONS, passphraseSecret, readPassphrase, type Values } from './args.ts';
import { EXIT_CODES } from '../output.ts';
import { UsageError } from '../output.ts';
import { showEvents, showInstances, showLicenses, showRegistered } from './show.ts';
import { KEY_VERBS } from './key-verbs.ts';
import { CODE_VERBS } from './code-verbs.ts';
import { LEDGER_VERBS } from './ledger-verbs.ts';
import { SATELLITE_VERBS } from './satellite-verbs.ts';
import { EXPIRING_VERBS } from './expiring-verbs.ts';
import { USAGE_VERBS } from './usage-verbs.ts';
import { BATCH_CODE_VERBS } from './batch-codes.ts';
import type { AuthorityContext, Call, Verb } from './verb.ts';

export type { AuthorityContext, Call, Verb } from './verb.ts';

/** The options that take a value (shell completion skips their values). */
export const VALUE_OPTIONS: readonly string[] = Object.entries(OPTIONS).flatMap(([o, d]) => (d.type === 'string' ? [`--${o}`] : []));

export const VERBS: readonly Verb[] = [
  {
    words: 'init',
    usage: '--account "<smart account name>" [--passphrase-file FILE] [--restore-keys BACKUP] [--database postgres://…]',
    summary:
      'Create the license authority: the smart account, the virtual account "Default" and its first signing key (encrypted under the passphrase, if given), or the keys of a key backup (--restore-keys, with its passphrase). With --database, in that PostgreSQL database (empty), which this home then works on, as after migrate.',
    example: 'slr authority init --account "Acme Corp" --passphrase-file /secure/passphrase.txt',
    options: ['account', 'restore-keys', 'database'],
    required: ['account'],
    where: 'local',
    run: async ({ values, ctx, say, withLocalLedger }) => {
      const file = values['restore-keys'];
      if (file && !values['passphrase-file']) throw new UsageError('--restore-keys needs --passphrase-file: the passphrase of the key backup.');
      const backup = file ? parseKeyBackup(readCodeFile(file, LIMITS.keyBackupBytes), readPassphrase(values['passphrase-file']!)) : undefined;
      if (values.database !== undefined) homeMayMoveTo(ctx.home, values.database);
      const r = await withLocalLedger((l) => l.init(values.account!, ctx.now, backup), true);
      if (values.database !== undefined) pointHomeAt(ctx.home, values.database, ctx.now);
      const keys = r.protection === 'plaintext' ? 'not encrypted (give --passphrase-file to encrypt them; see key protect)' : `encrypted (${r.protection})`;
      say(
        `License authority "${values.account}" created in ${values.database === undefined ? ctx.home : `${describeDatabase(values.database)} (this home works on it)`}, with virtual account "Default".\nSigning key ${r.keyId}${backup ? ' (restored)' : ''}, ${keys}: export it with \`slr authority key export --out FILE\` for devices to trust.`,
        r,
      );
    },
  },
  ...KEY_VERBS,
  ...LEDGER_VERBS,
  ...BATCH_CODE_VERBS,
  ...CODE_VERBS,
  ...SERVER_VERBS,
  ...TOKEN_VERBS,
  ...WEBHOOK_VERBS,
  ...SATELLITE_VERBS,
  ...EXPIRING_VERBS,
  ...USAGE_VERBS,
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
    words: 'show registered',
    usage: '[--account VA] [--csv]',
    summary: 'The product instances registered online (Smart Licensing): periods, last contact, reported usage, and whether their account covers it.',
    example: 'slr authority show registered --account Lab',
    options: ['account', 'csv'],
    run: (call) => showRegistered(call),
  },
  {
    words: 'show events',
    usage: '[--account VA] [--csv] [--verify] [--limit N] [--before ID] [--satellite NAME]',
    summary:
      'The event log: who did what, when, with which code; its latest 10,000 events (--limit fewer), oldest first, and --before ID the ones before event ID (stderr says when older ones are left out); --csv alone exports the whole log. --verify checks its chain of hashes and names the first event that was changed. --satellite: on a parent, the events it holds of that satellite (as the satellite logged them; checked against its chain when they came).',
    example: 'slr authority show events --verify',
    options: ['account', 'csv', 'verify', 'limit', 'before', 'satellite'],
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
    `Usage: ${usageOf(v)} [--home DIR] [--json]${v.usage.includes('--passphrase-file') ? '' : ' [--passphrase-file FILE]'}`,
    '',
    v.summary,
    ...(required ? ['', `Required: ${required}.`] : []),
    '',
    `Example: ${v.example}`,
    '',
    EXIT_CODES,
  ].join('\n');
}

/** Node's parseArgs refusal in the operator's words: the option named, and the nearest one this command takes. */
function optionProblem(e: Error & { code?: string }, v: Verb): string {
  const flag = /'(-[^' ]+)/.exec(e.message)?.[1] ?? '';
  const mine = [...v.options, ...GLOBAL_OPTIONS].map((o) => `--${o}`);
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const near = closest([flag], mine);
    return `slr authority ${v.words} does not take ${flag}.${near ? ` Did you mean ${near}?` : ''}`;
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
    return `${flag || 'An option'} of slr authority ${v.words} needs a value${/argument missing/.test(e.message) ? '' : ' (or takes none)'}.`;
  return `${e.message.split('\n')[0]} (slr authority ${v.words})`;
}

function parse(v: Verb, args: readonly string[]): { values: Values; positionals: string[] } {
  const wrong = (why: string) => new UsageError(why, verbHelp(v));
  const options = Object.fromEntries([...v.options, ...GLOBAL_OPTIONS].map((o) => [o, OPTIONS[o]]));
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] };
  } catch (e) {
    throw wrong(optionProblem(e as Error & { code?: string }, v));
  }
  const missing = (v.required ?? []).filter((o) => parsed.values[o] === undefined);
  if (missing.length) throw wrong(`Missing ${missing.map((m) => `--${m}`).join(', ')} (slr authority ${v.words}).`);
  const want = v.positionals ?? [];
  if (parsed.positionals.length !== want.length) {
    throw wrong(want.length ? `slr authority ${v.words} takes ${want.map((p) => `<${p}>`).join(' ')}.` : `Unexpected argument "${parsed.positionals[0]}".`);
  }
  return parsed;
}

/** A `local` verb on the database a server uses (--database), instead of the home's ledger. */
async function onDatabase<T>(home: string, database: string, secret: KeySecret | undefined, fn: (l: Ledger) => Promise<T>): Promise<T> {
  const { openLedgerAt } = await import('../../authority/open-database.ts');
  const { ledger } = await openLedgerAt(home, database, defaultActor(), secret);
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}

/** A verb where it cannot work: a `local` one while logged in to a server, a `session` one without a login. */
function checkWhere(verb: Verb, ctx: AuthorityContext): void {
  const where = verb.where ?? 'either';
  if (where === 'local' && ctx.remote)
    refuse(
      'local-only',
      `slr authority ${verb.words} works on a ledger of its own, not through a login: this home is logged in to ${ctx.remote.session.server}.`,
      "Run it on the License Central server's own home (--home), or `slr authority logout` first.",
    );
  if (where === 'session' && !ctx.remote)
    refuse(
      'not-logged-in',
      `slr authority ${verb.words} works on a License Central server, and this home is not logged in to one.`,
      'Log in first: `slr authority login --server URL --user NAME`.',
    );
}

export async function authorityCommand(args: readonly string[], ctx: AuthorityContext): Promise<void> {
  const verb = findVerb(args);
  if (!verb) {
    const words = args.join(' ').slice(0, 80);
    const near = closest(
      args.filter((a) => !a.startsWith('-')),
      VERBS.map((v) => v.words),
    );
    throw new UsageError(
      words ? `Unknown command: slr authority ${words}.${near ? ` Did you mean \`slr authority ${near}\`?` : ''}` : 'No command given.',
      'Usage: slr authority [--home DIR] [--json] <command>\n`slr authority --help` lists the commands; `slr authority <command> --help` shows one.',
    );
  }
  const { values, positionals } = parse(verb, args.slice(verb.words.split(' ').length));
  checkWhere(verb, ctx);
  // What a device's code said of its state (ledger/device-state.ts) goes to stderr, as the device's own warnings do.
  const warn = (r: object) => {
    if (!ctx.json) for (const w of (r as { warnings?: readonly string[] }).warnings ?? []) ctx.io.err(`WARNING: ${w}`);
  };
  const say = (text: string, json: object) => {
    ctx.io.out(ctx.json ? JSON.stringify({ ok: true, ...json }) : text);
    warn(json);
  };
  // --out is checked before anything changes: a target that cannot be written refuses the command.
  const out = checkedOutput(values.out);
  // The home's own ledger, or the database `migrate` moved it to (--database names another).
  const database = values.database ?? movedLedger(ctx.home);
  const local = <T>(fn: (l: Ledger) => Promise<T>, create = false) =>
    database === undefined
      ? ctx.ledger(fn, { create, keySecret: passphraseSecret(values['passphrase-file']) })
      : onDatabase(ctx.home, database, passphraseSecret(values['passphrase-file']), fn);
  // A verb's own refusal of its command line comes with that verb's help, as the parser's do.
  await runVerb(verb, {
    values,
    positionals,
    ctx,
    say,
    out,
    withLedger: (fn) => (ctx.remote ? fn(ctx.remote.ledger) : local(fn)),
    withLocalLedger: (fn, create = false) => local(fn, create),
    issued: (what, r) => {
      const file = out?.write(codeFileName(r.sn, 'authorization'), r.code, `slr authority code --instance ${r.sn} --out ${values.out}`) ?? null;
      if (ctx.json) return say('', { ...r, file });
      // The code alone on stdout, or in the file --out named (then stdout stays empty); what it is on stderr.
      ctx.io.err(file ? `${what}\nAuthorization code for ${r.udi} written to ${file}.` : `${what}\nAuthorization code for ${r.udi}:`);
      if (!file) ctx.io.out(r.code);
      warn(r);
    },
  });
}

async function runVerb(verb: Verb, call: Call): Promise<void> {
  try {
    await verb.run(call);
  } catch (e) {
    if (e instanceof UsageError && e.usage === undefined) throw new UsageError(e.message, verbHelp(verb));
    throw e;
  }
}
