/**
 * Temporary directories for one test file: all under one parent, removed when the file's tests end, so that
 * the models' thousands of runs leave nothing behind in the system's temporary directory.
 */
import { afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function scratchDirs(prefix: string): () => string {
  let parent: string | null = null;
  afterAll(() => {
    if (parent) rmSync(parent, { recursive: true, force: true });
    parent = null;
  });
  return () => mkdtempSync(join((parent ??= mkdtempSync(join(tmpdir(), prefix))), 'run-'));
}
