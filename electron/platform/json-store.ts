/**
 * The CLI's store for the product instance: one JSON file in the format conf and electron-store write (the
 * app's store), so that the CLI and the app share it. Written whole and durably (0600) by files.ts's
 * writeWhole, as the code files are; test/crash.test.ts kills writers to check. It is ours rather than conf's
 * because conf loads a JSON-schema compiler (ajv) at every start, which alone doubled the CLI's start-up.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeWhole } from './files.ts';

/** The part of conf / electron-store the instance service uses. */
export interface KeyValueStore {
  store: Record<string, unknown>;
  readonly path: string;
}
export type StoreFactory = (dir: string, name: string) => KeyValueStore;

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
      writeWhole(path, JSON.stringify(value, undefined, '\t'), 0o600);
    },
  };
};
