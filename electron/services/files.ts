/** Code files for the USB hand-off: names that say what and for which device, written whole or not at all. */
import { existsSync, renameSync, statSync, writeFileSync } from 'node:fs';
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
