/** Paths given on the command line. */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { refuse } from '../../shared/errors.ts';

/**
 * The seeds' install-file takes an sftp:// URL; across an air gap the file comes on removable media, so a
 * local path (or a file:// URL) is what is read, and any other URL is refused with what to do instead.
 */
export function localPath(arg: string): string {
  if (/^file:\/\//i.test(arg)) return fileURLToPath(arg);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) {
    refuse(
      'not-local',
      `install-file reads a local file; "${arg.slice(0, 80)}" is a network address.`,
      'Copy the authorization-code file onto this machine (for example from a USB stick) and give its path.',
    );
  }
  return arg;
}

/** The state directory: refused, with one message, when something other than a directory is at that path. */
export function checkHome(home: string): string {
  let kind: string | null = null;
  try {
    const st = statSync(home);
    if (!st.isDirectory()) kind = st.isFIFO() ? 'a pipe (FIFO)' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'a file';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') kind = 'under a file, not a directory';
    else if (code === 'EACCES') kind = 'not accessible (permission denied)';
  }
  if (kind) refuse('file', `The state directory ${home} is ${kind}.`, 'Give --home (or $SLR_HOME) a directory, or a path where one can be created.');
  return home;
}
