/**
 * Writing a command's output to `--out FILE|DIR`: the target is checked before the command changes anything
 * (`outputTarget`), and a write that still fails after the change says so, with the command that shows the
 * output again (exit 4), instead of looking like a refusal or a crash.
 */
import { isSlrError, refuse } from '../../shared/errors.ts';
import { outputTarget, writeFileChecked, writeTextFile } from '../platform/files.ts';

export interface OutputFile {
  /**
   * Writes `text` under the standard `name` (when the target is a directory); returns the path written.
   * `again`: the command that shows the output again, should the write fail after the change.
   */
  write(name: string, data: string | Uint8Array, again: string, mode?: number): string;
}

/** The checked target of `--out`, or null without one. */
export function checkedOutput(target: string | undefined): OutputFile | null {
  if (target === undefined) return null;
  const resolve = outputTarget(target);
  return {
    write(name, data, again, mode) {
      try {
        const path = resolve(name);
        if (typeof data === 'string') writeTextFile(path, data, mode);
        else writeFileChecked(path, data, mode);
        return path;
      } catch (e) {
        if (!isSlrError(e)) throw e;
        return refuse('output-not-written', `The change was made, but its output was not written: ${e.message}`, `Get it again with: ${again}`);
      }
    },
  };
}
