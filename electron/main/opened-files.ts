/**
 * Code files the desktop hands to SLR Desk (a double-click on a .slrreq, .slrauth, .slrconf or .slrret, or
 * "Open with"): on the command line of the first start, of a second start (which hands them to the first and
 * ends), or, on macOS, as an open-file event. Each is read (bounded) and given to the window as a dropped
 * file would be, so that the same code takes it to the step that uses it.
 */
import { statSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import { CODE_FILE_TYPES } from '../../shared/code-kinds.ts';
import type { OpenedFile } from '../../shared/bridge.ts';
import { readCodeFile } from '../platform/files.ts';

const EXTENSIONS = new Set(Object.values(CODE_FILE_TYPES).map((t) => `.${t.ext}`));

const isFile = (path: string) => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/** The code files named on a command line (relative ones from `cwd`), in order; flags and anything else ignored. */
export function codeFilesIn(argv: readonly string[], cwd: string): string[] {
  return argv
    .slice(1)
    .filter((a) => !a.startsWith('-') && EXTENSIONS.has(a.slice(a.lastIndexOf('.')).toLowerCase()))
    .map((a) => (isAbsolute(a) ? a : resolve(cwd, a)))
    .filter(isFile);
}

/** The file as the window takes it, or what stopped it being read. */
export function openedFile(path: string): OpenedFile | { error: string } {
  try {
    return { name: basename(path), text: readCodeFile(path) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}
