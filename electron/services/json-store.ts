/**
 * The CLI's store for the product instance: one JSON file in the format conf and electron-store write (the
 * app's store), so that the CLI and the app share it. Written whole and durably: a temporary file made 0600
 * (`wx`: never an existing file), synced, renamed over the file, the directory synced; a reader sees the old
 * file or the new one, never a mix (test/crash.test.ts kills writers to check). It is ours rather than conf's
 * because conf loads a JSON-schema compiler (ajv) at every start, which alone doubled the CLI's start-up.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The part of conf / electron-store the instance service uses. */
export interface KeyValueStore {
  store: Record<string, unknown>;
  readonly path: string;
}
export type StoreFactory = (dir: string, name: string) => KeyValueStore;

function writeDurably(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  // The rename itself survives a power cut once the directory is synced (not possible on every platform).
  try {
    const dirFd = openSync(join(path, '..'), 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Windows cannot open a directory for syncing; NTFS journals the rename.
  }
}

export const jsonFileStore: StoreFactory = (dir, name) => {
  const path = join(dir, `${name}.json`);
  return {
    path,
    get store(): Record<string, unknown> {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
        throw e;
      }
      return JSON.parse(text) as Record<string, unknown>;
    },
    set store(value: Record<string, unknown>) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      // conf's format: tab-indented JSON.
      writeDurably(path, JSON.stringify(value, undefined, '\t'));
    },
  };
};
