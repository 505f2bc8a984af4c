/**
 * The users of License Central as a server: accounts with the seeds' roles, passwords (scrypt), sessions and
 * API tokens (random, shown once, only their SHA-256 kept), logins limited per user and failures logged.
 * They live in the ledger (both engines), and every change to them is in its event log.
 */
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { isRole, ROLES, type Principal, type Role } from '../../../shared/authority/roles.ts';
import { formatInstant } from '../../../shared/codes/dates.ts';
import { refuse } from '../../../shared/errors.ts';
import { LOGIN_FAILURES_ALLOWED, LOGIN_WINDOW_MS, recordFailure, refuseTooManyFailures } from './login-limits.ts';
import { requireInit, findAccount } from '../ledger/lookups.ts';
import type { LedgerStore } from '../ledger/store.ts';
import { counted } from '../../../shared/lifetime.ts';

export { LOGIN_FAILURES_ALLOWED, LOGIN_WINDOW_MS };

const scrypt = promisify(scryptCb) as (
  password: string,
  salt: Buffer,
  length: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** scrypt's cost for passwords: 2^15 (about 0.1 s and 32 MiB a login). */
const PASSWORD_COST = 32_768;
export const SESSION_HOURS = 12;

const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** A hash of nothing anyone knows, checked for an unknown user: made once per process. */
let STAND_IN_HASH: string | undefined;

export interface UserLine {
  readonly name: string;
  readonly role: Role;
  readonly title: string;
  readonly account: string | null;
  readonly disabled: boolean;
  readonly mustChangePassword: boolean;
  readonly createdAt: number;
  readonly tokens: number;
}

interface UserRow {
  readonly id: number;
  readonly name: string;
  readonly role: string;
  readonly account: string | null;
  readonly password_hash: string;
  readonly must_change: number;
  readonly disabled: number;
  readonly created_at: number;
}

export function checkUserName(name: string): string {
  if (!USER_NAME.test(name))
    refuse('bad-name', `"${name.slice(0, 80)}" is not a user name: 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit.`);
  return name;
}

function checkPassword(password: string): string {
  if ([...password].length < 12 || password.length > 1024)
    refuse('weak-passphrase', 'A password has at least 12 characters (and at most 1024).', 'Choose a longer password (several words work well).');
  return password;
}

async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password.normalize('NFC'), salt, 32, { N: PASSWORD_COST, r: 8, p: 1, maxmem: 256 * PASSWORD_COST * 8 + 1024 * 1024 });
  return `scrypt$${PASSWORD_COST}$8$1$${salt.toString('base64')}$${hash.toString('base64')}`;
}

async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const want = Buffer.from(hash, 'base64');
  const N = Number(n);
  const got = await scrypt(password.normalize('NFC'), Buffer.from(salt, 'base64'), want.length, {
    N,
    r: Number(r),
    p: Number(p),
    maxmem: 256 * N * Number(r) + 1024 * 1024,
  });
  return timingSafeEqual(got, want);
}

/** A random secret the caller shows once: `slr_<kind>_…`; the ledger keeps only its SHA-256. */
function newSecret(kind: 'session' | 'token' | 'password'): string {
  const bytes = randomBytes(kind === 'password' ? 15 : 32).toString('base64url');
  return kind === 'password' ? bytes : `slr_${kind === 'session' ? 's' : 't'}_${bytes}`;
}

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

async function userRow(c: LedgerStore, name: string): Promise<UserRow | undefined> {
  return c.get<UserRow>('SELECT u.*, a.name AS account FROM users u LEFT JOIN accounts a ON a.id = u.account_id WHERE u.name = ?', name);
}

async function requireUser(c: LedgerStore, name: string): Promise<UserRow> {
  const row = await userRow(c, checkUserName(name));
  if (!row) refuse('no-user', `There is no user "${name}".`, 'See `slr authority user list`.');
  return row;
}

/**
 * Adds a user. Without a password one is generated and returned, to be shown once: the user must change it at
 * the first login. A virtual-account role names its virtual account; the smart account's administrator none.
 */
export async function addUser(
  c: LedgerStore,
  input: { name: string; role: string; account?: string; password?: string },
  now: number,
): Promise<{ name: string; role: Role; account: string | null; generatedPassword: string | null }> {
  await requireInit(c);
  const name = checkUserName(input.name);
  const role = input.role;
  if (!isRole(role)) refuse('bad-name', `"${role}" is not a role.`, `Roles: ${Object.keys(ROLES).join(', ')}.`);
  const scoped = ROLES[role].scope === 'virtual-account';
  if (scoped && !input.account) refuse('no-account', `A ${ROLES[role].title} belongs to one virtual account: name it with --account VA.`);
  if (!scoped && input.account) refuse('bad-name', `A ${ROLES[role].title} acts for the whole smart account: give no --account.`);
  const generated = input.password === undefined ? newSecret('password') : null;
  const hash = await hashPassword(generated ?? checkPassword(input.password!));
  return c.write(now, async () => {
    if (await userRow(c, name))
      refuse('user-exists', `The user "${name}" already exists.`, 'Choose another name, or change their password with `slr authority user password`.');
    const account = scoped ? await findAccount(c, input.account!) : null;
    await c.run(
      'INSERT INTO users (name, role, account_id, password_hash, must_change, disabled, created_at) VALUES (?, ?, ?, ?, ?, 0, ?)',
      name,
      role,
      account?.id ?? null,
      hash,
      generated ? 1 : 0,
      now,
    );
    await c.log(now, 'user-add', `User "${name}" added as ${ROLES[role].title}${account ? ` of "${account.name}"` : ''}.`, { account: account?.name ?? null });
    return { name, role, account: account?.name ?? null, generatedPassword: generated };
  });
}

export async function listUsers(c: LedgerStore): Promise<UserLine[]> {
  await requireInit(c);
  const rows = await c.all<UserRow & { tokens: number }>(
    `SELECT u.*, a.name AS account, (SELECT count(*) FROM sessions s WHERE s.user_id = u.id AND s.kind = 'api-token') AS tokens
     FROM users u LEFT JOIN accounts a ON a.id = u.account_id ORDER BY u.name`,
  );
  return rows.map((r) => ({
    name: r.name,
    role: r.role as Role,
    title: ROLES[r.role as Role].title,
    account: r.account,
    disabled: r.disabled === 1,
    mustChangePassword: r.must_change === 1,
    createdAt: r.created_at,
    tokens: Number(r.tokens),
  }));
}

/** Disables a user: their sessions and API tokens end at once; the log keeps what they did. */
export async function disableUser(c: LedgerStore, name: string, now: number): Promise<{ ended: number }> {
  return c.write(now, async () => {
    const user = await requireUser(c, name);
    if (user.disabled) refuse('not-allowed', `The user "${user.name}" is already disabled.`);
    await c.run('UPDATE users SET disabled = 1 WHERE id = ?', user.id);
    const ended = (await c.run('DELETE FROM sessions WHERE user_id = ?', user.id)).changes;
    await c.log(now, 'user-disable', `User "${user.name}" disabled; ${counted(ended, 'session or API token', 'sessions and API tokens')} ended.`, {
      account: user.account,
    });
    return { ended };
  });
}

/**
 * Sets a user's password (an administrator's reset: generated and to be changed at the next login when none
 * is given), or the user's own change (`own`: the current password checked first). Other sessions end.
 */
export async function setPassword(
  c: LedgerStore,
  input: { name: string; password?: string; current?: string },
  now: number,
): Promise<{ generatedPassword: string | null }> {
  const user = await requireUser(c, input.name);
  if (input.current !== undefined) await checkCurrentPassword(c, user, input.current, now);
  const generated = input.password === undefined ? newSecret('password') : null;
  const hash = await hashPassword(generated ?? checkPassword(input.password!));
  return c.write(now, async () => {
    await c.run('UPDATE users SET password_hash = ?, must_change = ? WHERE id = ?', hash, generated ? 1 : 0, user.id);
    await c.run("DELETE FROM sessions WHERE user_id = ? AND kind = 'session'", user.id);
    await c.log(now, 'user-password', `Password of user "${user.name}" ${input.current !== undefined ? 'changed by the user' : 'set by an administrator'}.`, {
      account: user.account,
    });
    return { generatedPassword: generated };
  });
}

/**
 * A user's own password change checks the current password under the same limit as logins (failures per
 * user within LOGIN_WINDOW_MS, each logged), so a stolen session cannot guess its way to the password.
 */
async function checkCurrentPassword(c: LedgerStore, user: UserRow, current: string, now: number): Promise<void> {
  await refuseTooManyFailures(c, user.name, now);
  if (await passwordMatches(current, user.password_hash)) return;
  await recordFailure(c, user.name, now, `Failed password change by "${user.name}": the current password was not right.`, 'password-failed');
  refuse(
    'unauthorized',
    'The current password is not right; the password was not changed.',
    'After 5 failures, password changes and logins are refused for 15 minutes.',
  );
}

/** A new API token for scripts: returned once; only its hash is kept. It lasts until the user is disabled. */
export async function newApiToken(c: LedgerStore, name: string, now: number): Promise<{ token: string }> {
  return c.write(now, async () => {
    const user = await requireUser(c, name);
    if (user.disabled) refuse('not-allowed', `The user "${user.name}" is disabled.`);
    const token = newSecret('token');
    await c.run("INSERT INTO sessions (token_hash, user_id, kind, created_at, expires_at) VALUES (?, ?, 'api-token', ?, NULL)", tokenHash(token), user.id, now);
    await c.log(now, 'user-token', `API token made for user "${user.name}".`, { account: user.account });
    return { token };
  });
}

const principalOf = (u: UserRow): Principal => ({ name: u.name, role: u.role as Role, account: u.account });

/**
 * Checks a login. Refused alike for an unknown user, a disabled one and a wrong password (nothing tells them
 * apart); each failure is logged and counted, and after LOGIN_FAILURES_ALLOWED within LOGIN_WINDOW_MS the
 * user's logins are refused until the window has passed, the right password included.
 */
export async function login(
  c: LedgerStore,
  input: { name: string; password: string; from: string },
  now: number,
): Promise<{ token: string; expiresAt: number; principal: Principal; mustChangePassword: boolean }> {
  await requireInit(c);
  const name = input.name.slice(0, 64);
  await refuseTooManyFailures(c, name, now);
  const user = USER_NAME.test(name) ? await userRow(c, name) : undefined;
  // The password is hashed whoever asks (an unknown user against a stand-in hash), so the time of the answer
  // does not tell which user names exist.
  const matches = await passwordMatches(input.password, user?.password_hash ?? (STAND_IN_HASH ??= await hashPassword('stand-in for unknown users')));
  const ok = user !== undefined && !user.disabled && matches;
  if (!ok) {
    await recordFailure(c, name, now, `Failed login as "${name.replace(/[^\x20-\x7e]/g, '?')}" from ${input.from}.`, 'login-failed');
    refuse(
      'unauthorized',
      'The user name or the password is not right (or the user is disabled).',
      'Check them; after 5 failures logins are refused for 15 minutes.',
    );
  }
  const token = newSecret('session');
  const expiresAt = now + SESSION_HOURS * 3_600_000;
  await c.write(now, async () => {
    await c.run(
      "INSERT INTO sessions (token_hash, user_id, kind, created_at, expires_at) VALUES (?, ?, 'session', ?, ?)",
      tokenHash(token),
      user.id,
      now,
      expiresAt,
    );
    await c.run("DELETE FROM sessions WHERE kind = 'session' AND expires_at < ?", now);
  });
  return { token, expiresAt, principal: principalOf(user), mustChangePassword: user.must_change === 1 };
}

/** The user a session or API token belongs to; refused when it is unknown, expired or its user disabled. */
export async function authenticate(c: LedgerStore, token: string, now: number): Promise<Principal & { userId: number; mustChangePassword: boolean }> {
  const [row] = await c.db.readOne<UserRow & { expires_at: number | null }>(
    'SELECT u.*, a.name AS account, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN accounts a ON a.id = u.account_id WHERE s.token_hash = ?',
    tokenHash(token),
  );
  if (!row || row.disabled)
    refuse('unauthorized', 'This session or API token is not valid (ended, revoked, or its user disabled).', 'Log in again: `slr authority login`.');
  if (row.expires_at !== null && row.expires_at <= now)
    refuse('unauthorized', `This session expired on ${formatInstant(row.expires_at)}.`, 'Log in again: `slr authority login`.');
  return { ...principalOf(row), userId: row.id, mustChangePassword: row.must_change === 1 };
}

/** Ends the session of `token` (logout). */
/** Ends a session (logout). An API token is no session: it lasts until its user is disabled, and logout leaves it. */
export async function endSession(c: LedgerStore, token: string): Promise<void> {
  const ended = await c.transaction(() => c.run("DELETE FROM sessions WHERE token_hash = ? AND kind = 'session'", tokenHash(token)));
  if (!ended.changes)
    refuse(
      'not-allowed',
      'This is an API token, not a session: logout does not end it (it lasts until its user is disabled).',
      'An administrator disables the user to end its API tokens.',
    );
}
