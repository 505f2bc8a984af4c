/**
 * A code file as the CLI's `install-file` and the app's Open file… and drop read it: one code (held to a
 * code file's size), or an authorization bundle (`slr authority reserve --requests`), which may be larger;
 * the device then takes its own entry from the bundle (shared/codes/authorization-bundle.ts).
 */
import { LIMITS } from '../../shared/limits.ts';
import { looksLikeBundle, MAX_BUNDLE_BYTES } from '../../shared/codes/authorization-bundle.ts';
import { readCodeFile } from '../platform/files.ts';

export function readCodeOrBundle(path: string): string {
  const text = readCodeFile(path, MAX_BUNDLE_BYTES);
  return looksLikeBundle(text) || text.length <= LIMITS.codeFileBytes ? text : readCodeFile(path);
}
