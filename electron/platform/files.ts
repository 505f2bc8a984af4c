/** Code files for the USB hand-off: read bounded and as text; written whole, with names that say what and for which device. */
import { accessSync, closeSync, constants, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync, statSync, writeSync, type Stats } from 'node:fs';
import { refuse } from '../../shared/errors.ts';
import { dirname, join } from 'node:path';
import { LIMITS } from '../../shared/limits.ts';
import { concatBytes } from '../../shared/bytes.ts';
import type { CodeKind } from '../../shared/code-kinds.ts';

/** `cc920-authorization.txt`: the device's serial number, then what the code is. */
export function codeFileName(sn: string, kind: CodeKind): string {
  return `${sn}-${kind}.txt`;
}

/** The status of `path` (following links), or undefined when nothing is there. */
function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    return cannotWrite(path, code === 'ENOTDIR' ? 'a part of the path is not a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message);
  }
}

function cannotWrite(path: string, why: string, hint = 'Name a regular file, or a directory for the standard file name.'): never {
  return refuse('file', `Cannot write ${path}: ${why}.`, hint);
}

/** Refuses a path that exists and is not a regular file, and one whose directory is missing or not writable. */
export function checkFileTarget(path: string): string {
  const st = statOf(path);
  if (st && !st.isFile()) cannotWrite(path, `it is ${kindOf(st)}, not a regular file`);
  const dir = dirname(path);
  const d = statOf(dir);
  if (!d) cannotWrite(path, `the directory ${dir} does not exist`, 'Create the directory first, or name another.');
  if (!d.isDirectory()) cannotWrite(path, `${dir} is not a directory`);
  checkWritableDir(dir, path);
  return path;
}

function checkWritableDir(dir: string, path: string): void {
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    cannotWrite(path, `the directory ${dir} is not writable`, 'Name a directory you can write to.');
  }
}

/**
 * An output target given as FILE|DIR, checked before anything is changed: the function it returns gives the
 * file to write once the standard name is known (`name`: e.g. `cc920-authorization.txt` in a directory).
 * A path ending in / must be an existing directory; a missing directory, a device, a FIFO or a directory
 * where a file is needed is refused with one clear message.
 */
export function outputTarget(target: string): (name: string) => string {
  if (!target) cannotWrite('""', 'no path was given');
  const st = statOf(target);
  if (st?.isDirectory()) {
    checkWritableDir(target, target);
    return (name) => checkFileTarget(join(target, name));
  }
  if (/[/\\]$/.test(target)) cannotWrite(target, 'no such directory', 'Create the directory first, or name another.');
  checkFileTarget(target);
  return () => checkFileTarget(target);
}

/**
 * Writes text to a regular file through a temporary file and a rename: a reader never sees half of it, and a
 * device node or FIFO at the path is never written into or replaced. `mode` 0600 for secrets.
 */
export function writeTextFile(path: string, text: string, mode = 0o644): void {
  writeFileChecked(path, text.endsWith('\n') ? text : `${text}\n`, mode);
}

/** Writes bytes or text whole to a regular file (as writeTextFile), or refuses with what went wrong. */
export function writeFileChecked(path: string, data: string | Uint8Array, mode = 0o644): void {
  checkFileTarget(path);
  try {
    writeWhole(path, data, mode);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    cannotWrite(
      path,
      code === 'ENOSPC' ? 'the disk is full' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (e as Error).message,
      'Free space or name another place, then try again.',
    );
  }
}

/**
 * Writes `text` whole and durably: a temporary file made with `mode` (`wx`: never an existing file), synced,
 * renamed over `path`, the directory synced. A reader sees the old file or the new one, never a mix.
 */
export function writeWhole(path: string, data: string | Uint8Array, mode: number): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(tmp, 'wx', mode);
  try {
    if (typeof data === 'string') writeSync(fd, data);
    else writeSync(fd, data);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  // The rename itself survives a power cut once the directory is synced (not possible on every platform).
  try {
    const dirFd = openSync(join(path, '..'), 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Windows cannot open a directory for syncing; NTFS journals the rename.
  }
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
export function readBoundedFile(path: string, limit: number, what = 'a code file'): Uint8Array {
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
        refuse('code-too-large', `${path} is larger than ${limit} bytes; ${what} is at most ${limit} bytes.`, 'Check that the right file was chosen.');
      chunks.push(chunk.subarray(0, n));
    }
    return concatBytes(...chunks);
  } finally {
    closeSync(fd);
  }
}

/**
 * A secret (a passphrase, a password) from a file: its first line, read like every other file input (bounded
 * to 4 KiB, regular files only, so a FIFO or a device cannot hang or flood it), UTF-8. A file keeps the
 * secret out of the shell's history and the process list.
 */
export function readSecretLine(path: string, option: string): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(readBoundedFile(path, 4096, `the file of ${option}`));
  } catch (e) {
    if (e instanceof TypeError) refuse('file-not-text', `${path} (${option}) is not UTF-8 text.`);
    throw e;
  }
  const line = text.replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '';
  if (!line) refuse('file', `${path} (${option}) is empty: the secret is its first line.`, 'Write it on the first line of the file.');
  return line;
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
