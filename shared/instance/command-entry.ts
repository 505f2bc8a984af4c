/** The shape of an entry of the product instance's command table (command-table.ts), and its CLI form. */
import type { z } from 'zod/mini';
import type { InstanceState } from './state.ts';
import type { Context, IssuedKind, Outcome, Phase } from './rules.ts';

/** One parameter of a command's CLI form. */
export interface CliParam {
  /** The argument it fills (`code`, `tag`, `count`, …); null for a fixed word such as `specific`. */
  readonly name: string | null;
  /** As shown in the usage line: `"<authorization code>"`, `<path>`, `[specific]`. */
  readonly label: string;
  /** How the CLI turns the word into the argument. */
  readonly kind: 'text' | 'count' | 'code-file' | 'key-file' | 'optional-word';
}

/** A command's CLI form: the words after `slr`, its parameters, and its help. */
export interface CliForm {
  readonly words: string;
  readonly params: readonly CliParam[];
  readonly summary: string;
  readonly example: string;
}

export interface Entry<A extends z.core.$ZodShape, B extends boolean = boolean> {
  /** Phases where the command may run; absent: always (usage, keys). */
  readonly phases?: Partial<Record<Phase, true>>;
  /** Elsewhere: why not, and what to do instead. */
  readonly why?: Partial<Record<Phase, readonly [string, string]>>;
  /** The code it may issue (the CLI's --out writes it). */
  readonly issues?: IssuedKind;
  /** Whether it makes a confirmation or return code, and so needs the (possibly sealed) device key. */
  readonly needsKey: (state: InstanceState) => boolean;
  readonly args: z.ZodMiniObject<A, z.core.$strict>;
  /** Offered through the bridge's generic `instanceCommand` (the others have methods of their own). */
  readonly bridge: B;
  readonly cli: readonly CliForm[];
  readonly run: (state: InstanceState, args: z.infer<z.ZodMiniObject<A, z.core.$strict>>, ctx: Context) => Outcome;
}

export const entry = <A extends z.core.$ZodShape, const B extends boolean>(e: Entry<A, B>) => e;
/** A reservation command: where it may run depends on the reservation's phase. */
export const phased = <A extends z.core.$ZodShape, const B extends boolean>(e: Entry<A, B> & Required<Pick<Entry<A, B>, 'phases' | 'why'>>) => e;
