/**
 * What passes between the ledger and PostgreSQL's driver, apart from transactions (pg-db.ts): the pool a database
 * URL asks for, the ledger's `?` placeholders numbered, and values converted both ways.
 */
import pg from 'pg';
import { refuse } from '../../../../shared/errors.ts';
import type { SqlValue } from '../ledger-db.ts';

/** A statement that runs longer than this is cancelled (its transaction rolled back), unless the URL says otherwise. */
export const STATEMENT_TIMEOUT_MS = 30_000;

/**
 * The pool a database URL asks for: `?pool=N` connections (1 to 100; `max` unless given) and
 * `?statement_timeout=MS` (STATEMENT_TIMEOUT_MS unless given), both taken out of the URL the driver sees.
 */
export function poolConfig(url: string, max: number): { connectionString: string; max: number; statement_timeout: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { connectionString: url, max, statement_timeout: STATEMENT_TIMEOUT_MS };
  }
  const number = (name: string, lo: number, hi: number, fallback: number) => {
    const text = u.searchParams.get(name);
    u.searchParams.delete(name);
    if (text === null) return fallback;
    const n = /^[0-9]{1,9}$/.test(text) ? Number(text) : NaN;
    if (!(n >= lo && n <= hi)) refuse('bad-request', `The database URL's ${name} must be a whole number from ${lo} to ${hi}, not "${text.slice(0, 20)}".`);
    return n;
  };
  const size = number('pool', 1, 100, max);
  const timeout = number('statement_timeout', 100, 3_600_000, STATEMENT_TIMEOUT_MS);
  return { connectionString: u.toString(), max: size, statement_timeout: timeout };
}

/**
 * A prepared statement whose result changed shape under it (another server migrated the schema): the transaction
 * is run again, every statement prepared afresh under new names.
 */
export const STALE_PLAN = 'stale-plan';
/** How many distinct statements are prepared by name. */
export const PREPARED_MAX = 2000;
/** How many times a transaction that deadlocked, failed to serialise, raced for a unique key or met a stale plan is run in all. */
export const ATTEMPTS = 4;
export const RETRIED = new Set(['40P01', '40001', '23505', STALE_PLAN]);

/** An error's SQLSTATE, or STALE_PLAN for PostgreSQL's "cached plan must not change result type" (0A000). */
export function errorCode(e: unknown): string | undefined {
  const { code, message } = e as { code?: unknown; message?: unknown };
  if (typeof code !== 'string') return undefined;
  return code === '0A000' && typeof message === 'string' && /cached plan must not change result type/.test(message) ? STALE_PLAN : code;
}

/** `?` placeholders numbered `$1…`, outside quoted strings and identifiers. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return mapPlaceholders(sql, () => `$${++n}`);
}

/** Each `?` placeholder outside quoted strings and identifiers replaced by what `next` gives, in order. */
function mapPlaceholders(sql: string, next: () => string): string {
  let out = '';
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else out += ch === '?' ? next() : ch;
  }
  return out;
}

/**
 * `?` placeholders replaced by `params` written as SQL literals, for a statement sent with others in one message
 * (the simple protocol takes no parameters): numbers, nulls and strings (an escape string, E'…', whose quotes and
 * backslashes are doubled, so that it means the same whatever standard_conforming_strings says; a NUL, which
 * PostgreSQL's text cannot hold, refused).
 */
export function inlinePlaceholders(sql: string, params: readonly SqlValue[]): string {
  let i = 0;
  const literal = (v: SqlValue | undefined): string => {
    if (v === undefined || !canInline(v)) throw new Error(`a value that cannot be written inline in SQL: ${typeof v}`);
    if (typeof v === 'number') return String(v);
    return v === null ? 'NULL' : `E'${(v as string).replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
  };
  const out = mapPlaceholders(sql, () => literal(params[i++]));
  if (i !== params.length) throw new Error(`${params.length} parameters for ${i} placeholders`);
  return out;
}

/** Whether `v` can be written inline (inlinePlaceholders): a finite number, null, or a string without NUL. */
export const canInline = (v: SqlValue): boolean => v === null || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && !v.includes('\0'));

// int8 (count(*), sums of integers, ids, times) and numeric (sum of bigint) as JavaScript numbers: every value
// of the ledger is far below 2^53.
export const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === 20 || oid === 1700 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? 'text'),
};

export const toParam = (v: SqlValue) => (v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v);
