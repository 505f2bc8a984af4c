/** The authority CLI's argument values: codes given inline or as @FILE, counts, --license TAG=N. */
import { readCodeFile, readSecretLine } from '../../platform/files.ts';
import type { KeySecret } from '../../authority/keys/key-storage.ts';
import { UsageError } from '../output.ts';

/** The authority's options; every verb takes the global ones besides its own. */
export const OPTIONS = {
  account: { type: 'string' },
  request: { type: 'string' },
  requests: { type: 'string' },
  license: { type: 'string', multiple: true },
  out: { type: 'string' },
  tag: { type: 'string' },
  count: { type: 'string' },
  type: { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
  instance: { type: 'string' },
  'return-code': { type: 'string' },
  reason: { type: 'string' },
  to: { type: 'string' },
  from: { type: 'string' },
  id: { type: 'string' },
  all: { type: 'boolean' },
  csv: { type: 'boolean' },
  verify: { type: 'boolean' },
  'passphrase-file': { type: 'string' },
  'new-passphrase-file': { type: 'string' },
  'restore-keys': { type: 'string' },
  listen: { type: 'string' },
  database: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  server: { type: 'string' },
  user: { type: 'string' },
  fingerprint: { type: 'string' },
  'password-file': { type: 'string' },
  'new-password-file': { type: 'string' },
  role: { type: 'string' },
  description: { type: 'string' },
  'expires-days': { type: 'string' },
  'max-uses': { type: 'string' },
  'export-controlled': { type: 'boolean' },
  mode: { type: 'string' },
  interval: { type: 'string' },
  replace: { type: 'boolean' },
  satellite: { type: 'string' },
  within: { type: 'string' },
  'silent-after': { type: 'string' },
  codes: { type: 'string' },
  url: { type: 'string' },
  events: { type: 'string' },
  webhook: { type: 'string' },
  limit: { type: 'string' },
  before: { type: 'string' },
} as const;

export type Option = keyof typeof OPTIONS;
export type Values = {
  [K in Option]?: (typeof OPTIONS)[K] extends { type: 'boolean' } ? boolean : (typeof OPTIONS)[K] extends { multiple: true } ? string[] : string;
};

/** Options every verb takes: the passphrase that unlocks protected signing keys. */
export const GLOBAL_OPTIONS: readonly Option[] = ['passphrase-file'];

/** A passphrase: the first line of a small file (so it never shows in a process list or a shell history). */
export const readPassphrase = (path: string, option = '--passphrase-file'): string => readSecretLine(path, option);

export function passphraseSecret(path: string | undefined, option?: string): KeySecret | undefined {
  return path === undefined ? undefined : { kind: 'passphrase', passphrase: readPassphrase(path, option) };
}

/** A code given on the command line, or @FILE (read with the same bounds and checks as install-file). */
export function codeArg(value: string): string {
  return value.startsWith('@') ? readCodeFile(value.slice(1)) : value;
}

/** A number of days from 1 to 3650, as `30` or `30d`; `or` names what else the option takes. */
export function days(text: string, option: string, or = ''): number {
  const m = /^([0-9]{1,4})d?$/.exec(text.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!(n >= 1 && n <= 3650)) throw new UsageError(`${option} takes a number of days from 1 to 3650 (30 or 30d)${or}, not "${text.slice(0, 20)}".`);
  return n;
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
