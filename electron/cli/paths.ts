/** Paths given on the command line. */
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
