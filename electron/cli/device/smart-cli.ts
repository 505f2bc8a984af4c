/**
 * `slr license smart …` for Smart Licensing online (the seeds' other mode): register with a token, renew,
 * report usage, deregister, the transport settings and the privacy setting. And the calls that are due
 * (renewals, the daily usage report), made before any other product-instance command.
 */
import { readSecretLine } from '../../platform/files.ts';
import { deriveStatus, productOf } from '../../../shared/instance/status.ts';
import { findExportFeature, unknownFeatureText } from '../../../shared/export-control.ts';
import { exportCancel, exportRequest, exportReturn } from '../../device/export-service.ts';
import type { InstanceState } from '../../../shared/instance/state.ts';
import { catchUp, deregister, onlineOperation, register, renewAuth, renewId, reportUsage, type OnlineOutcome } from '../../device/online-service.ts';
import { setPrivacy, setTransport, type TransportInput } from '../../device/online-settings.ts';
import type { InstanceService } from '../../device/instance-service.ts';
import { assertAppNotRunning } from '../../platform/lock.ts';
import { UsageError } from '../output.ts';
import { EXIT_CODES } from '../output.ts';
import type { CliContext } from './instance-cli.ts';

export const SMART_USAGE = [
  '  slr license smart register idtoken <token> [force]   register online with License Central (Smart Licensing)',
  '  slr license smart renew auth | renew id              renew the authorization (90 days) or the registration (a year) now',
  '  slr license smart usage report                       report the usage now (Update Usage Details; a reserved device writes an offline report)',
  '  slr license smart deregister                         deregister: licenses back to the pool, evaluation again',
  '  slr license smart transport direct | gateway <url> | proxy <host> <port> [--user U --password-file F]',
  '  slr license smart privacy hostname on|off            on: do not share the host name with License Central',
  '  slr license smart export request local <feature>     request an export authorization key (export control)',
  '  slr license smart export return local <feature>      return it: the key removed, the license free again',
  '  slr license smart export cancel                      stop retrying an export request or return that failed',
];

const VERBS = new Set(['register', 'renew', 'deregister', 'usage', 'transport', 'privacy', 'export']);

export const isSmartCommand = (rest: readonly string[]) => rest[0] === 'license' && rest[1] === 'smart' && VERBS.has(rest[2] ?? '');

/** `slr license smart <verb> --help`: its usage line, and the exit codes; null when the words name none. */
export function smartCommandHelp(words: readonly string[]): string | null {
  if (!isSmartCommand(words)) return null;
  const lines = SMART_USAGE.filter((l) => l.trim().startsWith(`slr license smart ${words[2]}`) || (words[2] === 'renew' && l.includes('renew auth')));
  return ['Usage:', ...lines, '', 'Options: --home DIR, --json.', '', EXIT_CODES].join('\n');
}

/** A password from a file: its first line (a file keeps it out of the shell's history and the process list). */
const readPasswordFile = (path: string): string => readSecretLine(path, '--password-file');

/** `transport direct | gateway URL | proxy HOST PORT [--user U --password-file F]`. */
function transportInput(words: readonly string[]): TransportInput {
  const usage = 'Usage: slr license smart transport direct | gateway <url> | proxy <host> <port> [--user U --password-file F]';
  const [mode, ...rest] = words;
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    if (w === '--user' || w === '--password-file') {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${w} needs a value.`, usage);
      flags[w] = v;
    } else positional.push(w);
  }
  if (mode === 'direct' && !positional.length && !Object.keys(flags).length) return { mode: 'direct' };
  if (mode === 'gateway' && positional.length === 1 && !Object.keys(flags).length) return { mode: 'gateway', url: positional[0]! };
  if (mode === 'proxy' && positional.length === 2) {
    if (!/^[0-9]{1,5}$/.test(positional[1]!)) throw new UsageError(`The proxy port is a number, not "${positional[1]!.slice(0, 20)}".`, usage);
    if (flags['--password-file'] && !flags['--user']) throw new UsageError('--password-file goes with --user.', usage);
    return {
      mode: 'proxy',
      host: positional[0]!,
      port: Number(positional[1]),
      user: flags['--user'] ?? null,
      password: flags['--password-file'] ? readPasswordFile(flags['--password-file']) : undefined,
    };
  }
  throw new UsageError(`Wrong arguments for \`slr license smart transport\`.`, usage);
}

type Operation = Parameters<typeof onlineOperation>[2];

/** The operation a command line names. */
function operationOf(words: readonly string[]): Operation {
  const [verb, ...args] = words;
  const line = words.join(' ');
  const exactly = (...expected: string[]) => args.length === expected.length && expected.every((w, i) => args[i] === w);
  if (verb === 'register') {
    if (args[0] !== 'idtoken' || args.length < 2 || args.length > 3 || (args.length === 3 && args[2] !== 'force'))
      throw new UsageError('Usage: slr license smart register idtoken <token> [force]');
    return (s, secrets) => register(s, secrets, args[1]!, args[2] === 'force');
  }
  if (verb === 'renew' && exactly('auth')) return renewAuth;
  if (verb === 'renew' && exactly('id')) return renewId;
  if (verb === 'usage' && exactly('report')) return reportUsage;
  if (verb === 'deregister' && exactly()) return deregister;
  if (verb === 'transport') {
    const input = transportInput(args);
    return (s, secrets) => setTransport(s, secrets, input);
  }
  if (verb === 'export') return exportOperation(args);
  if (verb === 'privacy' && args[0] === 'hostname' && args.length === 2 && (args[1] === 'on' || args[1] === 'off'))
    return (s) => setPrivacy(s, args[1] === 'on');
  throw new UsageError(`Unknown or wrong: slr license smart ${line}.\n${SMART_USAGE.join('\n')}`);
}

const EXPORT_USAGE = 'Usage: slr license smart export request local <feature> | return local <feature> | cancel';

/** `export request local <feature>`, `export return local <feature>`, `export cancel`; the feature checked against the product (exit 2 naming those that are). */
function exportOperation(args: readonly string[]): Operation {
  if (args.length === 1 && args[0] === 'cancel') return (s) => exportCancel(s);
  if (args.length !== 3 || (args[0] !== 'request' && args[0] !== 'return') || args[1] !== 'local')
    throw new UsageError(`Wrong arguments for \`slr license smart export\`.`, EXPORT_USAGE);
  const [op, , feature] = args as [string, string, string];
  return (s, secrets) => {
    const product = productOf(s);
    if (!findExportFeature(product, feature)) throw new UsageError(unknownFeatureText(product, feature), EXPORT_USAGE);
    return op === 'request' ? exportRequest(s, secrets, feature) : exportReturn(s, secrets, feature);
  };
}

function print(o: OnlineOutcome, service: InstanceService, ctx: CliContext): void {
  const s = deriveStatus(service.load(), ctx.now);
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ ok: true, message: o.message, registration: s.registration, authorization: s.authorization, warnings: o.warnings }));
    return;
  }
  for (const w of o.warnings) ctx.io.err(`WARNING: ${w}`);
  ctx.io.out(`${o.message}\nRegistration Status: ${s.registration}\nAuthorization Status: ${s.authorization}`);
}

export async function smartCommand(service: InstanceService, rest: readonly string[], ctx: CliContext): Promise<void> {
  const operation = operationOf(rest.slice(2));
  print(await onlineOperation(service, ctx.now, operation), service, ctx);
}

/**
 * Before a product-instance command (and after one that changes the state): the calls that are due, made (skipped while the app holds the state:
 * it makes them itself). What they did goes to stderr, so stdout stays the command's.
 */
export async function catchUpBefore(service: InstanceService, home: string, ctx: CliContext): Promise<void> {
  let peek: InstanceState;
  try {
    // A state that is not registered online has no calls due: not loaded twice (a start costs less).
    if (!service.savedRoles().online) return;
    peek = service.load();
    if (!peek.online) return;
    assertAppNotRunning(home);
  } catch {
    return;
  }
  let done: OnlineOutcome | null;
  try {
    done = await catchUp(service, ctx.now, peek);
  } catch (e) {
    ctx.io.err(`WARNING: Smart Licensing: the calls that are due were not made: ${(e as Error).message}`);
    return;
  }
  if (!done) return;
  if (done.message) ctx.io.err(`Smart Licensing: ${done.message.replace(/\n/g, '\nSmart Licensing: ')}`);
  for (const w of done.warnings) ctx.io.err(`WARNING: Smart Licensing: ${w}`);
}
