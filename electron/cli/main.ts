/** `slr`: argument parsing and dispatch. Each side's commands live in their own module. */
import { instanceService } from '../device/instance-service.ts';
import { resolveHome } from '../platform/paths.ts';
import { checkHome } from './paths.ts';
import { assertAppNotRunning } from '../platform/lock.ts';
import { isSaneTime } from '../../shared/codes/dates.ts';
import { EXIT, EXIT_CODES, processIo, reportError, SHORT_USAGE, terminalSafe, UsageError, type Io } from './output.ts';
import { closest, commandWords } from './did-you-mean.ts';
import { deviceCommandHelp } from './device/command-help.ts';
import { initCommand, isLogCheck, listTrustedKeys, printOutcome, showCommand, type CliContext } from './device/instance-cli.ts';
import { backupCommand, recoverCommand, restoreCommand } from './device/instance-state-cli.ts';
import { commandHelp, findForm, FORMS, runForm, usageLine, type FormMatch } from './device/instance-commands.ts';
import { COMMAND_NAMES } from '../../shared/instance/command-table.ts';

import { COMMANDS } from '../../shared/instance/command-table.ts';

/** Usage lines in the table's order of commands, and of each command's forms. */
const COMMAND_ORDER = (f: FormMatch) => COMMAND_NAMES.indexOf(f.name) * 10 + COMMANDS[f.name].cli.indexOf(f.form);
import { VERSION } from './version.ts';
import { catchUpBefore, isSmartCommand, smartCommand, smartCommandHelp, SMART_USAGE } from './device/smart-cli.ts';
import { showAlarms, utilsCommand, UTILS_USAGE } from './device/utils-cli.ts';
import { showSipTrunks, sipTrunkCommand, SIP_TRUNK_USAGE } from './device/sip-trunk-cli.ts';
import { clusterCommand, CLUSTER_USAGE, refusePublisherOnly, showCluster, subscriberSync } from './device/cluster-cli.ts';
import { checkedOutput } from './output-files.ts';

/** The whole usage: the product-instance commands from the engine's command table, then the rest. */
export const USAGE = [
  'Usage: slr [--home DIR] [--json] <command>',
  '',
  "Product instance (the seeds' commands):",
  '  slr init --pid UCM|CUC|SME [--trust FILE]... create the product instance (UDI, device key, evaluation), provisioned',
  "                                             with License Central's key file(s)",
  '  slr recover [--trust FILE]...               a state changed outside SLR Desk made usable again: identity, key and',
  '                                             log kept, provisioned again with the key files, no evaluation back',
  '  slr backup --out FILE|DIR                   a backup of the state (0600): it carries no reservation and no registration',
  '  slr restore FILE [--force]                  bring a backup back (the state it replaces is set aside); the device then',
  '                                             asks License Central for its licenses again (a sound state: --force)',
  ...FORMS.slice()
    .sort((a, b) => COMMAND_ORDER(a) - COMMAND_ORDER(b))
    .map((f) => `  ${usageLine(f)}`),
  '  slr license trust list [--csv]              the License Central keys this device accepts',
  '  slr show license status | udi | summary',
  '  slr show license reservation | usage [--csv] | events [--csv] [--verify]',
  '',
  'Smart Licensing online (register with a License Central server instead of carrying codes):',
  ...SMART_USAGE,
  '',
  'Encryption and alarms (export-controlled functionality):',
  ...UTILS_USAGE,
  ...SIP_TRUNK_USAGE,
  '',
  'Clusters (one exchange for the whole cluster; only the publisher talks to License Central):',
  ...CLUSTER_USAGE,
  '',
  'License authority: slr authority --help',
  '',
  'Options:',
  "  --home DIR   state directory (else $SLR_HOME, else the app's data directory)",
  '  --json       print one JSON object',
  "  --help       this text; after a command, that command's help (also: slr help <command>)",
  '',
  EXIT_CODES,
].join('\n');

interface Parsed {
  home?: string;
  json: boolean;
  help: boolean;
  version?: boolean;
  pid?: string;
  trust: string[];
  /** --out FILE|DIR of a command that issues a code. */
  out?: string;
  rest: string[];
}

/** Global options may stand anywhere; everything else is positional, in order. */
function parseArgs(argv: readonly string[]): Parsed {
  const p: Parsed = { json: false, help: false, trust: [], rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value.`);
      return v;
    };
    if (a === '--json') p.json = true;
    else if (a === '--help' || a === '-h') p.help = true;
    else if (a === '--version') p.version = true;
    else if (a === '--home') p.home = value();
    else if (a.startsWith('--home=')) p.home = a.slice(7);
    else if (a === '--pid' && p.rest[0] === 'init') p.pid = value();
    else if (a === '--trust' && (p.rest[0] === 'init' || p.rest[0] === 'recover')) p.trust.push(value());
    else if (a === '--out' && p.rest[0] !== 'authority') p.out = value();
    else p.rest.push(a);
  }
  return p;
}

/** Commands that change state: refused while the desktop app holds it. */
function writes(rest: readonly string[]): boolean {
  const [a, b, c] = rest;
  if (a === 'show') return false;
  if (a === 'license' && b === 'trust' && c === 'list') return false;
  if (a === 'authority') return !(b === 'show' || b === 'code' || b === 'backup' || (b === 'key' && (c === 'export' || c === 'list')));
  return true;
}

/**
 * The time the engine is given: the system clock, or $SLR_NOW (ISO 8601 or ms) for tests and demos. A time
 * outside the years 2000-2999 is bad input (exit 2): it is never used, so never saved.
 */
export function clockNow(env: NodeJS.ProcessEnv = process.env): number {
  const fake = env.SLR_NOW;
  const t = fake ? (/^[0-9]+$/.test(fake) ? Number(fake) : Date.parse(fake)) : Date.now();
  if (!isSaneTime(t)) {
    throw new UsageError(
      fake
        ? `SLR_NOW="${fake.slice(0, 40)}" is not a time between the years 2000 and 2999 (ISO 8601 or milliseconds).`
        : `The system clock reads ${t}, which is not a time between the years 2000 and 2999: set the clock right.`,
    );
  }
  return t;
}

/**
 * `slr authority …`. Its module is loaded only when needed: the device side's commands start faster without
 * the ledger.
 */
async function authorityMain(
  authority: typeof import('./authority/authority-cli.ts'),
  p: Parsed,
  { io, json, home, env }: { io: Io; json: boolean; home: string; env: NodeJS.ProcessEnv },
): Promise<number> {
  const asked = p.rest[1] === 'help' ? p.rest.slice(2) : p.help ? p.rest.slice(1) : null;
  const verb = asked && authority.findVerb(asked);
  if (verb) {
    io.out(authority.verbHelp(verb));
    return EXIT.ok;
  }
  if (asked || p.rest.length === 1) {
    io.out(authority.AUTHORITY_USAGE);
    return asked ? EXIT.ok : EXIT.usage;
  }
  const { loadSession } = await import('../authority/remote/remote.ts');
  const session = loadSession(home);
  // Logged in to a server, the home's own state is not written: nothing to guard against the app.
  if (!session && writes(p.rest)) assertAppNotRunning(home);
  const { sqliteLedgerPort } = await import('../authority/ledger-port.ts');
  const { remoteLedger } = await import('../authority/remote/remote-ledger.ts');
  await authority.authorityCommand(p.rest.slice(1), {
    io,
    json,
    now: clockNow(env),
    clock: () => clockNow(env),
    home,
    ledger: sqliteLedgerPort(home),
    remote: session && { ledger: remoteLedger(session), session },
  });
  return EXIT.ok;
}

/** The product instance's commands: the command table's forms, Smart Licensing online, init, trust list, show. */
async function instanceMain(p: Parsed, home: string, ctx: CliContext, clock: () => number): Promise<void> {
  const form = findForm(p.rest);
  if (writes(p.rest)) assertAppNotRunning(home);
  const service = instanceService({ dir: home });
  const [first, second, third] = p.rest;
  if (first === 'cluster') return clusterCommand(service, p.rest.slice(1), ctx, clock);
  if (first === 'show' && second === 'cluster' && p.rest.length === 2) return showCluster(service.load(), ctx);
  refusePublisherOnly(service, p.rest);
  if (p.out !== undefined && !(form && COMMANDS[form.name].issues) && first !== 'backup')
    throw new UsageError(
      '--out goes with a command that issues a code: request, install, install-file, return, return-authorization, usage report.',
      form && commandHelp(form),
    );
  // `license smart usage report` of an instance registered online reports over the network; of a reserved one, it writes the offline report.
  const online = form?.name === 'usage-report' && service.savedRoles().online;
  if (online && p.out !== undefined)
    throw new UsageError('Registered online, this instance reports its usage to License Central directly: --out is for a reserved device.');
  if (isSmartCommand(p.rest) && (!form?.name.startsWith('usage-') || online)) return smartCommand(service, p.rest, ctx);
  if (!['init', 'recover', 'backup', 'restore'].includes(first!) && !isLogCheck(p.rest)) {
    await catchUpBefore(service, home, ctx);
    await subscriberSync(service, home, ctx);
  }
  if (form) {
    // The target is checked before the command runs: a code is never made that has nowhere to go.
    const out = checkedOutput(p.out);
    printOutcome(await runForm(form, p.rest, service, ctx.now), ctx, service, out);
    // A change of usage is reported at once.
    if (form.name === 'usage') await catchUpBefore(service, home, ctx);
  } else if (first === 'init') {
    if (!p.pid) throw new UsageError('Usage: slr init --pid UCM|CUC|SME [--trust FILE]...');
    await initCommand(service, p.pid, p.trust, ctx);
  } else if (first === 'recover' && p.rest.length === 1) {
    await recoverCommand(service, p.trust, ctx);
  } else if (first === 'backup' && p.rest.length === 1) {
    if (p.out === undefined) throw new UsageError('Usage: slr backup --out FILE|DIR');
    await backupCommand(service, p.out, ctx);
  } else if (first === 'restore' && p.rest.filter((a) => a !== '--force').length === 2) {
    await restoreCommand(
      service,
      p.rest.slice(1).find((a) => a !== '--force')!,
      p.rest.includes('--force'),
      ctx,
    );
  } else if (first === 'license' && second === 'trust' && third === 'list' && p.rest.length === 3 + Number(p.rest[3] === '--csv')) {
    listTrustedKeys(service, ctx, p.rest[3] === '--csv');
  } else if (first === 'utils') {
    await utilsCommand(service, p.rest, ctx);
  } else if (first === 'sip-trunk') {
    await sipTrunkCommand(service, p.rest.slice(1), ctx);
  } else if (first === 'show' && second === 'sip-trunks') {
    showSipTrunks(service, p.rest.slice(2), ctx);
  } else if (first === 'show' && second === 'alarms') {
    await showAlarms(service, p.rest.slice(2), ctx);
  } else if (first === 'show') {
    await showCommand(service, p.rest.slice(1), ctx);
  } else {
    throw unknownCommand(p.rest);
  }
}

/** `slr completion bash|zsh|fish` (the script) and `slr __complete CURRENT WORDS…` (what the script asks). */
async function completionMain(argv: readonly string[], io: Io): Promise<number> {
  const { completions, COMPLETION_SCRIPTS, DEVICE_VALUE_OPTIONS } = await import('./completion.ts');
  if (argv[0] === 'completion') {
    const shell = argv[1] as keyof typeof COMPLETION_SCRIPTS;
    if (argv.length !== 2 || !Object.hasOwn(COMPLETION_SCRIPTS, shell))
      throw new UsageError('Usage: slr completion bash | zsh | fish  (prints the script to source)');
    io.out(COMPLETION_SCRIPTS[shell]);
    return EXIT.ok;
  }
  const { VERBS, VALUE_OPTIONS } = await import('./authority/authority-cli.ts');
  const valueOptions = [...DEVICE_VALUE_OPTIONS, ...VALUE_OPTIONS];
  const [current = '', ...typed] = argv.slice(1);
  // After an option that takes a value: its values (the tables' choices, the home ledger's accounts and instances).
  const option = typed.at(-1);
  if (option?.startsWith('--')) {
    const { valueCompletions } = await import('./completion-values.ts');
    const at = typed.indexOf('--home');
    const home = resolveHome(at >= 0 ? typed[at + 1] : undefined);
    const values = await valueCompletions(option, current, home, typed.includes('authority'));
    if (values) {
      for (const v of values) io.out(v);
      return EXIT.ok;
    }
  }
  for (const word of completions({ deviceUsage: USAGE.split('\n'), verbs: VERBS, valueOptions }, typed, current)) io.out(word);
  return EXIT.ok;
}

/** An unknown command: what was typed, and the nearest known one (a typo), else where the commands are listed. */
function unknownCommand(rest: readonly string[]): UsageError {
  const words = rest.filter((w) => !w.startsWith('-'));
  const near = closest(words, commandWords(USAGE.split('\n')));
  return new UsageError(`Unknown command: slr ${rest.join(' ').slice(0, 80)}.${near ? ` Did you mean \`slr ${near}\`?` : ''}`, SHORT_USAGE);
}

export async function main(argv: readonly string[], rawIo: Io = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const io = terminalSafe(rawIo, { json: argv.includes('--json'), csv: argv.includes('--csv') });
  let json = argv.includes('--json');
  let authorityUsage: string | null = null;
  try {
    if (argv[0] === '__complete' || argv[0] === 'completion') return await completionMain(argv, io);
    const p = parseArgs(argv);
    json = p.json;
    if (p.version) {
      io.out(json ? JSON.stringify({ ok: true, version: VERSION }) : `slr ${VERSION}`);
      return EXIT.ok;
    }
    const home = checkHome(resolveHome(p.home, env));
    if (p.rest[0] === 'authority') {
      const authority = await import('./authority/authority-cli.ts');
      authorityUsage = authority.AUTHORITY_USAGE;
      return await authorityMain(authority, p, { io, json, home, env });
    }
    // `slr <command> --help` and `slr help <command>`: that command's help.
    const asked = p.rest[0] === 'help' ? p.rest.slice(1) : p.help ? p.rest : null;
    const helpFor = asked && findForm(asked);
    const smartHelp = asked && (smartCommandHelp(asked) ?? deviceCommandHelp(asked));
    if (helpFor || smartHelp) {
      io.out(helpFor ? commandHelp(helpFor) : smartHelp!);
      return EXIT.ok;
    }
    if (asked || p.rest.length === 0) {
      io.out(USAGE);
      return asked ? EXIT.ok : EXIT.usage;
    }
    await instanceMain(p, home, { io, json, now: clockNow(env) }, () => clockNow(env));
    return EXIT.ok;
  } catch (e) {
    return reportError(e, json, io, authorityUsage ?? USAGE);
  }
}
