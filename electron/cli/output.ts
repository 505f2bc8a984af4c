/** How the CLI speaks: plain text for people, one JSON object with --json, and its exit codes. */
import { describeError, isSlrError, refuse } from '../../shared/errors.ts';
import { escapeControls, stripControls } from '../../shared/text.ts';
import { describeChain, type ChainBreak } from '../../shared/event-chain.ts';

export const EXIT = {
  ok: 0,
  /** The command was refused: bad input, or not allowed in this state. Nothing changed. */
  refused: 1,
  /** The command line itself is wrong. */
  usage: 2,
  /** Another SLR Desk process holds the state; nothing changed. */
  busy: 3,
  /** The change was made, but its output (a code file) could not be written: the message says how to get it again. */
  unwritten: 4,
  /** An unexpected failure (a bug): nothing was saved by the failing command. */
  internal: 70,
} as const;

export const EXIT_CODES =
  'Exit codes: 0 done, 1 refused (nothing changed), 2 bad command line, 3 state busy, 4 done but the output file could not be written (the message says how to get it again), 70 internal error.';

/** What a bad command line shows above its error when no command's own help fits: short, never a screen of help. */
export const SHORT_USAGE = 'Usage: slr [--home DIR] [--json] <command>\n`slr --help` lists the commands; `slr help <command>` shows one, with an example.';

export class UsageError extends Error {
  /** The help of the command that was meant, shown instead of the whole usage. */
  readonly usage: string | undefined;
  constructor(message: string, usage?: string) {
    super(message);
    this.usage = usage;
  }
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

/**
 * The CLI's output made safe for a terminal: text that came from users (names, reasons, key file names, a
 * tampered log) cannot send escape sequences or reorder what is shown. Human text has such characters
 * replaced (U+FFFD); JSON has them as \u escapes (the same values); CSV is data for a file and is left whole
 * (its hashes must match), and stderr is always text.
 */
export function terminalSafe(io: Io, mode: { json: boolean; csv: boolean }): Io {
  return {
    out: (t) => io.out(mode.json ? escapeControls(t) : mode.csv ? t : stripControls(t)),
    err: (t) => io.err(stripControls(t)),
  };
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
};

export function reportError(e: unknown, json: boolean, io: Io, usage: string): number {
  if (e instanceof UsageError) {
    if (json) io.out(JSON.stringify({ ok: false, error: { code: 'usage', message: e.message, hint: e.usage ?? 'See slr --help.' } }));
    // The help first, the error last: what went wrong stays on screen, under the help that says what is right.
    io.err(`${e.usage ?? shortOf(usage)}\n\n${e.message}`);
    return EXIT.usage;
  }
  if (isSlrError(e)) {
    // A batch refused in part (authority/batch-codes.ts) answers what became of each, beside the error.
    const results = 'results' in e ? { results: e.results } : {};
    if (json) io.out(JSON.stringify({ ok: false, error: { code: e.code, message: e.message, hint: e.hint ?? '' }, ...results }));
    io.err(describeError(e));
    return e.code === 'busy' || e.code === 'lock-lost' ? EXIT.busy : e.code === 'output-not-written' ? EXIT.unwritten : EXIT.refused;
  }
  const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
  if (json)
    io.out(
      JSON.stringify({ ok: false, error: { code: 'internal', message: String(e), hint: 'This is a bug: please report it with the command that caused it.' } }),
    );
  io.err(`Internal error (please report it): ${message}`);
  return EXIT.internal;
}

/** A whole usage text is a screen: above an error, only its first line and where the rest is. */
function shortOf(usage: string): string {
  return usage.startsWith('Usage: slr authority')
    ? `${usage.split('\n')[0]}\n\`slr authority --help\` lists the commands; \`slr authority <command> --help\` shows one.`
    : SHORT_USAGE;
}

/** Renders rows as aligned columns. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers, ...rows].map((r) => r.map(String));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `--verify`: the log's chain intact (exit 0), or the first event that was changed (exit 1). */
export function verifyLog(
  result: { count: number; broken: ChainBreak | null },
  eventAt: (index: number) => { at: number; type: string },
  ctx: { readonly io: Io; readonly json: boolean },
): void {
  const { intact, text } = describeChain(result.count, result.broken, eventAt);
  if (!intact) refuse('log-tampered', text, 'Everything from that event on is unproven: compare it with a backup or an exported CSV (its hash column).');
  ctx.io.out(ctx.json ? JSON.stringify({ ok: true, intact: true, events: result.count }) : text);
}
