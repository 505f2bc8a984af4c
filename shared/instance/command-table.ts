/**
 * The product instance's commands, one entry each: the single source for where a command may run (and why
 * not, with what to do instead), whether it needs the device key, its arguments (a zod schema: the bridge
 * validates with it), its CLI form and help, and its handler. The Command type, the availability shown in
 * the app, the bridge's command schema, the CLI's parser, usage and per-command help are all derived from
 * this table. To add a command: add an entry here (and, if the app offers it, a control in the renderer).
 */
import type { z } from 'zod/mini';
import { RESERVATION_MODE_COMMANDS } from './reservation-mode-commands.ts';
import { RESERVATION_CODE_COMMANDS } from './reservation-code-commands.ts';
import { USAGE_TRUST_COMMANDS } from './usage-trust-commands.ts';
import { USAGE_REPORT_COMMANDS } from './usage-report-commands.ts';

export type { CliForm, CliParam } from './command-entry.ts';

/** Every command, by family: the order here is the order of the CLI's usage and the app's menus. */
export const COMMANDS = { ...RESERVATION_MODE_COMMANDS, ...RESERVATION_CODE_COMMANDS, ...USAGE_TRUST_COMMANDS, ...USAGE_REPORT_COMMANDS };

export type CommandName = keyof typeof COMMANDS;
/** A command's arguments (none: unknown, so that `{ type }` alone is the command). */
type ArgsOf<K extends CommandName> =
  (typeof COMMANDS)[K]['args'] extends z.ZodMiniObject<infer S, z.core.$strict>
    ? keyof S extends never
      ? unknown
      : z.infer<(typeof COMMANDS)[K]['args']>
    : never;
/** A command with its arguments, as the engine takes it: `{ type: 'usage', tag, count }`. */
export type Command = { [K in CommandName]: { readonly type: K } & ArgsOf<K> }[CommandName];
/** The commands whose availability depends on the reservation's phase (the seeds' reservation commands). */
export type ReservationCommand = { [K in CommandName]: (typeof COMMANDS)[K] extends { phases: object } ? K : never }[CommandName];

/** The commands the bridge's generic `instanceCommand` takes. */
export type BridgeCommandName = { [K in CommandName]: (typeof COMMANDS)[K]['bridge'] extends true ? K : never }[CommandName];
export type BridgeCommand = Extract<Command, { readonly type: BridgeCommandName }>;

export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];
