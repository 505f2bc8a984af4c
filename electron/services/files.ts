/** Code files for the USB hand-off: read bounded and as text; written whole, with names that say what and for which device. */
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { refuse } from '../../shared/errors.ts';
import { join } from 'node:path';

export type CodeKind = 'request' | 'authorization' | 'confirmation' | 'return';

/** `cc920-authorization.txt`: the device's serial number, then what the code is. */
export function codeFileName(sn: string, kind: CodeKind): string {
  return `${sn}-${kind}.txt`;
}

/** Writes text to a file through a temporary file and a rename: a reader never sees half of it. */
export function writeTextFile(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text.endsWith('\n') ? text : `${text}\n`, { mode: 0o644 });
  renameSync(tmp, path);
}

/** Writes a code to `target` (a file, or a directory to get the standard name); returns the path. */
export function writeCodeFile(target: string, sn: string, kind: CodeKind, code: string): string {
  const path = existsSync(target) && statSync(target).isDirectory() ? join(target, codeFileName(sn, kind)) : target;
  writeTextFile(path, code);
  return path;
}

/** Reads an authorization-code file as text: bounded, UTF-8 (or UTF-16 with its BOM), never binary. */
export function readCodeFile(path: string, limit = 1_048_576): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    return refuse('file', `Cannot read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}.`);
  }
  if (size > limit) refuse('code-too-large', `${path} is ${size} bytes; a code file is at most ${limit} bytes.`, 'Check that the right file was chosen.');
  const bytes = readFileSync(path);
  if (bytes.length === 0) refuse('code-empty', `${path} is empty.`);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return refuse('file-not-text', `${path} is not UTF-8 text.`, 'Save the code as plain text (UTF-8) and try again.');
  }
}
