/**
 * Many devices' confirmation or return codes in one hand-off (issue 30): `slr authority confirm batch` and
 * `remove batch --codes FILE|DIR`. A folder of the files the devices wrote (`<SN>-confirmation.txt` and
 * `<SN>-return.txt` from the CLI's `--out DIR`, `.slrconf` and `.slrret` from the app), or one file with a line
 * per device, `<UDI or SN>,<code>` (or white space between; blank lines, `#` comments and a CSV header skipped).
 * Each code is entered on its own, under the same rules as one entered alone (its device's lockout, replays,
 * its state digest): one refused does not undo the others, and the answer says which were and why.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CODE_FILE_TYPES } from '../../../shared/code-kinds.ts';
import { MAX_BATCH, MAX_BUNDLE_BYTES } from '../../../shared/codes/authorization-bundle.ts';
import { isSlrError, refuse, SlrError, type RefusalCode } from '../../../shared/errors.ts';
import { readCodeFile } from '../../platform/files.ts';
import { printTable } from './show.ts';
import type { Call, Verb } from './verb.ts';

type Kind = 'confirmation' | 'return';
interface DeviceCode {
  readonly instance: string;
  readonly code: string;
}

/** A device named as the ledger takes it: its serial number (5 hex digits), its UDI, or what `show instances` prints. */
const INSTANCE = /^(?:[0-9a-fA-F]{5}|P:.*U:[0-9a-fA-F-]{36})$/;

function codesInFolder(path: string, kind: Kind): DeviceCode[] {
  const ends = [`-${kind}.txt`, `-${kind}.${CODE_FILE_TYPES[kind].ext}`];
  return readdirSync(path)
    .filter((f) => ends.some((e) => f.endsWith(e)))
    .sort()
    .map((f) => ({ instance: f.slice(0, f.lastIndexOf('-')), code: readCodeFile(join(path, f)).trim() }));
}

function codesInFile(path: string): DeviceCode[] {
  const out: DeviceCode[] = [];
  for (const [i, line] of readCodeFile(path, MAX_BUNDLE_BYTES).split(/\r?\n/).entries()) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const [first, ...rest] = t.split(/\s*,\s*|\s+/);
    if (!INSTANCE.test(first!.replace(/^"|"$/g, ''))) {
      if (out.length === 0 && i === 0) continue; // a CSV's header
      refuse('bad-instance', `Line ${i + 1} of ${path} does not start with a device (its serial number or UDI): "${t.slice(0, 60)}".`);
    }
    out.push({ instance: first!.replace(/^"|"$/g, ''), code: rest.join(' ').replace(/^"|"$/g, '') });
  }
  return out;
}

export function readDeviceCodes(path: string, kind: Kind): DeviceCode[] {
  let dir = false;
  try {
    dir = statSync(path).isDirectory();
  } catch {
    refuse('file', `${path} does not exist.`, `Give a folder of ${kind} code files, or a file with a line per device: <SN>,<code>.`);
  }
  const codes = dir ? codesInFolder(path, kind) : codesInFile(path);
  if (codes.length === 0)
    refuse('code-empty', `${path} holds no ${kind} code.`, dir ? `The folder needs files named <SN>-${kind}.txt.` : 'Put one device per line: <SN>,<code>.');
  if (codes.length > MAX_BATCH) refuse('bad-count', `${path} holds ${codes.length} ${kind} codes; one batch takes at most ${MAX_BATCH}.`, 'Split it.');
  return codes;
}

/** Enters each code on its own; prints what became of each; refuses (exit 1) when any was refused, after the others were entered. */
async function enterAll(call: Call, kind: Kind, enter: (c: DeviceCode) => Promise<string>): Promise<void> {
  const codes = readDeviceCodes(call.values.codes!, kind);
  const results: { instance: string; ok: boolean; code: string | null; message: string }[] = [];
  for (const c of codes) {
    try {
      results.push({ instance: c.instance, ok: true, code: null, message: await enter(c) });
    } catch (e) {
      if (!isSlrError(e)) throw e;
      results.push({ instance: c.instance, ok: false, code: e.code, message: e.message });
    }
  }
  const refused = results.filter((r) => !r.ok);
  if (!call.ctx.json)
    printTable(
      call,
      ['Instance', 'Result', 'What happened'],
      results.map((r) => [r.instance, r.ok ? 'entered' : `REFUSED (${r.code})`, r.message]),
    );
  else if (!refused.length) call.ctx.io.out(JSON.stringify({ ok: true, results }));
  if (refused.length)
    throw new BatchRefused(
      refused[0]!.code!,
      `${refused.length} of ${results.length} ${kind} codes were refused (listed above); the others were entered.`,
      results,
    );
}

/** Some codes of a batch refused: exit 1, with what became of each (in --json, beside the error). */
class BatchRefused extends SlrError {
  readonly results: readonly object[];
  constructor(code: string, message: string, results: readonly object[]) {
    super(code as RefusalCode, message, 'Nothing of a refused one changed; check each with its device.');
    this.results = results;
  }
}

const USAGE = '--codes FILE|DIR';

export const BATCH_CODE_VERBS: readonly Verb[] = [
  {
    words: 'confirm batch',
    usage: USAGE,
    summary:
      'Enter many devices’ confirmation codes in one hand-off: a folder of <SN>-confirmation.txt files (or .slrconf), or a file with a line per device, <SN or UDI>,<code>. Each is entered on its own, as `confirm` would; the answer lists each.',
    example: 'slr authority confirm batch --codes /media/usb/',
    options: ['codes'],
    required: ['codes'],
    run: (call) =>
      enterAll(call, 'confirmation', async (c) => {
        const r = await call.withLedger((l) => l.confirm({ instance: c.instance, code: c.code }, call.ctx.now));
        return `${r.udi}: ${r.released} released from transition${r.warnings.length ? `. WARNING: ${r.warnings.join(' ')}` : ''}`;
      }),
  },
  {
    words: 'remove batch',
    usage: USAGE,
    summary:
      'Remove many product instances with their return codes in one hand-off: a folder of <SN>-return.txt files (or .slrret), or a file with a line per device, <SN or UDI>,<code>. Each is entered on its own, as `remove` would; the answer lists each.',
    example: 'slr authority remove batch --codes /media/usb/',
    options: ['codes'],
    required: ['codes'],
    run: (call) =>
      enterAll(call, 'return', async (c) => {
        const r = await call.withLedger((l) => l.remove({ instance: c.instance, returnCode: c.code }, call.ctx.now));
        return `${r.udi}: removed, ${r.released} back in the pool${r.warnings.length ? `. WARNING: ${r.warnings.join(' ')}` : ''}`;
      }),
  },
];
