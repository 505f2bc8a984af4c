/** The authority CLI's argument values: codes given inline or as @FILE, counts, --license TAG=N. */
import { readCodeFile } from '../services/files.ts';
import { UsageError } from './output.ts';

/** A code given on the command line, or @FILE (read with the same bounds and checks as install-file). */
export function codeArg(value: string): string {
  return value.startsWith('@') ? readCodeFile(value.slice(1)) : value;
}

export function count(text: string | undefined, what: string): number {
  if (!text || !/^[0-9]{1,7}$/.test(text)) throw new UsageError(`${what} must be a whole number, not "${text ?? ''}".`);
  return Number(text);
}

export function licenses(values: { license?: string[] }): Record<string, number> {
  const out: Record<string, number> = {};
  for (const spec of values.license ?? []) {
    const m = /^([^=]+)=([0-9]{1,7})$/.exec(spec.trim());
    if (!m) throw new UsageError(`--license takes TAG=N, not "${spec}".`);
    out[m[1]!.trim()] = Number(m[2]);
  }
  if (!Object.keys(out).length) throw new UsageError('Name at least one --license TAG=N.');
  return out;
}
