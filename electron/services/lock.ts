/**
 * One writer at a time per state directory (the store libraries do not support several): a lock directory
 * made atomically by proper-lockfile, refreshed while held and taken over when its holder died.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { refuse } from '../../shared/errors.ts';

export const LOCK_NAME = '.slr-desk.lock';

export async function withDirLock<T>(dir: string, what: string, fn: () => T | Promise<T>): Promise<T> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
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
  try {
    return await fn();
  } finally {
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
