/** Code files for the USB hand-off: read bounded and as text; written whole, with names that say what and for which device. */
import { closeSync, constants, existsSync, fstatSync, openSync, readSync, renameSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { refuse } from '../../shared/errors.ts';
import { join } from 'node:path';
import { LIMITS } from '../../shared/limits.ts';
import { concatBytes } from '../../shared/bytes.ts';
import type { CodeKind } from '../../shared/code-kinds.ts';

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

/** What a path that is not a regular file is, in an operator's words. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a pipe (FIFO)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function cannotRead(path: string, e: unknown): never {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'ENOTDIR'
          ? 'a part of the path is not a directory'
          : (e as Error).message;
  return refuse('file', `Cannot read ${path}: ${why}.`, 'Check the path and try again.');
}

/**
 * Reads at most `limit` bytes of a regular file. The file is opened without blocking (a FIFO cannot hang
 * it), checked to be a regular file on the open descriptor (no race with a swap), and read with the bound
 * enforced while reading, so a file that grows, or lies about its size, cannot exhaust memory.
 */
export function readBoundedFile(path: string, limit: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EISDIR')
      refuse('file', `Cannot read ${path}: it is a directory, not a file.`, 'Give the path of the code file itself.');
    return cannotRead(path, e);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile())
      refuse('file', `Cannot read ${path}: it is ${kindOf(st)}, not a regular file.`, 'Give the path of a code file (save it to a file first).');
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const chunk = new Uint8Array(Math.min(65_536, limit + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > limit)
        refuse('code-too-large', `${path} is larger than ${limit} bytes; a code file is at most ${limit} bytes.`, 'Check that the right file was chosen.');
      chunks.push(chunk.subarray(0, n));
    }
    return concatBytes(...chunks);
  } finally {
    closeSync(fd);
  }
}

/** Reads a code file as text: bounded, regular files only, UTF-8 (or UTF-16 with its BOM), never binary. */
export function readCodeFile(path: string, limit: number = LIMITS.codeFileBytes): string {
  const bytes = readBoundedFile(path, limit);
  if (bytes.length === 0) refuse('code-empty', `${path} is empty.`);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return refuse('file-not-text', `${path} is not UTF-8 text.`, 'Save the code as plain text (UTF-8) and try again.');
  }
}
