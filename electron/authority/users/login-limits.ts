/**
 * The limit on password guesses, shared by logins and a user's own password change: failures per user
 * (by the one case rule's key of the name) within LOGIN_WINDOW_MS, each logged; past LOGIN_FAILURES_ALLOWED
 * both are refused until the window has passed, the right password included.
 */
import { refuse } from '../../../shared/errors.ts';
import { nameKey } from '../../../shared/text.ts';
import type { LedgerStore } from '../ledger/store.ts';

/** Failed logins (or password changes) allowed per user within the window before they are refused. */
export const LOGIN_FAILURES_ALLOWED = 5;
export const LOGIN_WINDOW_MS = 15 * 60_000;

export async function refuseTooManyFailures(c: LedgerStore, name: string, now: number): Promise<void> {
  const failures = (await c.get<{ n: number }>('SELECT count(*) AS n FROM login_failures WHERE name = ? AND at > ?', nameKey(name), now - LOGIN_WINDOW_MS))!;
  if (Number(failures.n) >= LOGIN_FAILURES_ALLOWED)
    refuse(
      'rate-limited',
      `Too many failed logins or password changes for "${name}": they are refused for up to ${LOGIN_WINDOW_MS / 60_000} minutes.`,
      'Wait, then try again; an administrator can reset the password meanwhile.',
    );
}

export async function recordFailure(c: LedgerStore, name: string, now: number, message: string, type: string): Promise<void> {
  await c.write(now, async () => {
    await c.run('INSERT INTO login_failures (name, at) VALUES (?, ?)', nameKey(name), now);
    await c.run('DELETE FROM login_failures WHERE at < ?', now - LOGIN_WINDOW_MS);
    await c.log(now, type, message);
  });
}
