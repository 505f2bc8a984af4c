/**
 * While the app runs it holds the state directory's app lock (the CLI then refuses to write, and says so).
 * Not taken: another SLR Desk (of another session) works on it; said, and this one stops. Lost while running
 * (the lock file removed or taken over): nothing more is written; said, and the app stops. Plain Node, so
 * that both faults are tested without Electron.
 */
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { APP_LOCK_NAME } from '../platform/lock.ts';
import { APP_NAME } from '../platform/paths.ts';

export interface Told {
  showError(text: string): void;
  exit(code: number): void;
}

export async function holdAppLock(dir: string, told: Told, timing = { stale: 15_000, update: 5_000 }): Promise<boolean> {
  try {
    await lockfile.lock(dir, {
      lockfilePath: join(dir, APP_LOCK_NAME),
      realpath: false,
      ...timing,
      onCompromised: (e) => {
        told.showError(`${APP_NAME} lost its hold on ${dir} (${e.message}): it stops now so that nothing is written twice. Start it again.`);
        told.exit(2);
      },
    });
    return true;
  } catch (e) {
    told.showError(`${dir} is in use by another ${APP_NAME} (${(e as Error).message}). Close it, or wait for it to finish, then start again.`);
    told.exit(1);
    return false;
  }
}
