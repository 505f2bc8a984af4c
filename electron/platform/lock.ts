/**
 * One writer at a time per state directory (the store libraries do not support several): a lock directory
 * made atomically by proper-lockfile, refreshed while held and taken over when its holder died.
 *
 * Fenced: a holder writes a token of its own beside the lock, and a write checks it at the moment it commits
 * (assertLockHeld). A holder that was paused (SIGSTOP, a suspended laptop) past the takeover finds another
 * token there and writes nothing (exit 3), so it cannot overwrite what the new holder wrote.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import lockfile from 'proper-lockfile';
import { refuse } from '../../shared/errors.ts';

export const LOCK_NAME = '.slr-desk.lock';
const OWNER = `${LOCK_NAME}.owner`;

/** The locks this process holds, by directory: the token it wrote, and whether the lock was found taken. */
const held = new Map<string, { readonly token: string; readonly what: string; lost: boolean }>();

/** Refuses (exit 3, nothing written) when this process no longer holds the lock of `dir` it took. */
export function assertLockHeld(dir: string): void {
  const entry = held.get(dir);
  if (!entry) return;
  let owner: string;
  try {
    owner = readFileSync(join(dir, OWNER), 'utf8');
  } catch {
    owner = '';
  }
  if (entry.lost || owner !== entry.token) {
    refuse(
      'lock-lost',
      `Another SLR Desk process took over the ${entry.what} in ${dir} while this command was paused; this command wrote nothing.`,
      'See what the state is now (slr show license status), and run the command again if it is still needed.',
    );
  }
}

/** For the tests only: holds the lock, once taken, until the file named by SLR_TEST_PAUSE_IN_LOCK exists. */
async function pauseForTest(): Promise<void> {
  const release = process.env.SLR_TEST_PAUSE_IN_LOCK;
  if (!release) return;
  writeFileSync(`${release}.held`, String(process.pid));
  while (!existsSync(release)) await new Promise((r) => setTimeout(r, 50));
}

export async function withDirLock<T>(dir: string, what: string, fn: () => T | Promise<T>): Promise<T> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const entry = { token: randomBytes(16).toString('hex'), what, lost: false };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dir, {
      lockfilePath: join(dir, LOCK_NAME),
      realpath: false,
      // A holder refreshes the lock every second; one not refreshed for 5 s died (killed, crashed) and is
      // taken over. A waiting command retries for about 8 s, so it outlasts a dead holder's lock.
      stale: 5_000,
      update: 1_000,
      retries: { retries: 22, factor: 1.3, minTimeout: 50, maxTimeout: 500 },
      // Found taken over (this process was paused): the next write is refused, not the process crashed.
      onCompromised: () => {
        entry.lost = true;
      },
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOCKED') {
      refuse(
        'busy',
        `The ${what} in ${dir} is in use by another SLR Desk process (the app or another slr command).`,
        'Try again when it has finished; nothing was changed.',
      );
    }
    throw e;
  }
  const ownerTmp = join(dir, `${OWNER}.${process.pid}.tmp`);
  writeFileSync(ownerTmp, entry.token, { mode: 0o600 });
  renameSync(ownerTmp, join(dir, OWNER));
  held.set(dir, entry);
  try {
    await pauseForTest();
    return await fn();
  } finally {
    held.delete(dir);
    await release().catch(() => undefined);
  }
}

/** Held by the desktop app for as long as it runs on a state directory. */
export const APP_LOCK_NAME = '.slr-desk-app.lock';

/** The CLI refuses to write while the app holds the state, and says so. */
export function assertAppNotRunning(dir: string): void {
  let held: boolean;
  try {
    held = lockfile.checkSync(dir, { lockfilePath: join(dir, APP_LOCK_NAME), realpath: false, stale: 15_000 });
  } catch {
    held = false; // no directory or no lock: nothing holds it
  }
  if (held) {
    refuse('busy', `The SLR Desk app is running on ${dir} and holds its state.`, 'Close the app, or do this in the app; nothing was changed.');
  }
}
