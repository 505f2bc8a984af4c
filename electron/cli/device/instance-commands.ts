/**
 * The CLI forms of the product-instance commands, from the engine's command table: finding the command a
 * command line names, turning its words into the command's arguments, its usage line and its help.
 */
import { basename } from 'node:path';
import { COMMAND_NAMES, COMMANDS, type CliForm, type Command, type CommandName } from '../../../shared/instance/command-table.ts';
import { LIMITS } from '../../../shared/limits.ts';
import { readCodeFile } from '../../platform/files.ts';
import { entryFor, looksLikeBundle } from '../../../shared/codes/authorization-bundle.ts';
import { readCodeOrBundle } from '../../device/code-file.ts';
import { formatUdi, makeUdi } from '../../../shared/udi.ts';
import { productOf } from '../../../shared/instance/status.ts';
import type { InstanceService } from '../../device/instance-service.ts';
import type { Outcome } from '../../../shared/instance/rules.ts';
import { EXIT_CODES, UsageError } from '../output.ts';
import { localPath } from '../paths.ts';

export interface FormMatch {
  readonly name: CommandName;
  readonly form: CliForm;
  readonly words: readonly string[];
}

/** Every CLI form of every command, the longest words first (so `install-file` is not read as `install`). */
export const FORMS: readonly FormMatch[] = COMMAND_NAMES.flatMap((name) =>
  COMMANDS[name].cli.map((form) => ({ name, form, words: form.words.split(' ') })),
).sort((a, b) => b.words.length - a.words.length || b.words.join(' ').length - a.words.join(' ').length);

/** The command a command line names by its first words, if any. */
export function findForm(rest: readonly string[]): FormMatch | undefined {
  return FORMS.find((f) => f.words.every((w, i) => rest[i] === w));
}

/** `slr <words> <params>`, with `[--out FILE|DIR]` for a command that issues a code. */
export function usageLine({ form, name }: Pick<FormMatch, 'form' | 'name'>): string {
  return `slr ${form.words}${form.params.map((p) => ` ${p.label}`).join('')}${COMMANDS[name].issues ? ' [--out FILE|DIR]' : ''}`;
}

/** `slr <command> --help`: the command's usage, what it does, an example, the exit codes. */
export function commandHelp(match: FormMatch): string {
  const { form } = match;
  return [`Usage: ${usageLine(match)} [--home DIR] [--json]`, '', form.summary, '', `Example: ${form.example}`, '', EXIT_CODES].join('\n');
}

/**
 * The code a file holds: the file itself, or, from an authorization bundle (`slr authority reserve --requests`),
 * this device's own entry (by its UDI). A bundle may be larger than one code; any other file is held to a code's size.
 */
function codeFromFile(path: string, service: InstanceService): string {
  const text = readCodeOrBundle(path);
  if (!looksLikeBundle(text)) return text;
  const state = service.load();
  const udi = makeUdi(productOf(state), state.uuid);
  return entryFor(text, formatUdi(udi), udi.sn);
}

/** Runs the command `match` names, its arguments read from the words after its name as its CLI form says. */
export async function runForm(match: FormMatch, rest: readonly string[], service: InstanceService, now: number): Promise<Outcome> {
  const { form, name } = match;
  const values = rest.slice(match.words.length);
  const required = form.params.filter((p) => p.kind !== 'optional-word').length;
  const wrong = () => new UsageError(`Wrong arguments for \`slr ${form.words}\`.`, commandHelp(match));
  if (values.length < required || values.length > form.params.length) throw wrong();
  const args: Record<string, unknown> = {};
  for (const [i, p] of form.params.entries()) {
    const v = values[i];
    if (p.kind === 'optional-word') {
      if (v !== undefined && v !== p.label.replace(/[[\]]/g, '')) throw wrong();
    } else if (p.kind === 'count') {
      if (!/^[0-9]{1,7}$/.test(v!)) throw new UsageError(`The count must be a whole number, not "${v}".`, commandHelp(match));
      args[p.name!] = Number(v);
    } else if (p.kind === 'code-file') {
      args[p.name!] = codeFromFile(localPath(v!), service);
    } else if (p.kind === 'key-file') {
      // A key file becomes the chain the engine checks in the service (it computes the keys' ids).
      return service.trust(readCodeFile(v!, LIMITS.keyFileBytes), basename(v!), now);
    } else {
      args[p.name!] = v;
    }
  }
  return service.run({ type: name, ...args } as Command, now);
}
