/**
 * A folder of request files, as a batch reservation takes it (`slr authority reserve --requests DIR`, a folder
 * dropped on the app): the codes of its `*-request.txt` and `*.slrreq` files, in the order of their names, each
 * read as a code file is (bounded, UTF-8). What a batch is and how a text of codes is read:
 * shared/codes/batch-requests.ts.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isRequestFileName } from '../../shared/codes/batch-requests.ts';
import { readCodeFile } from '../platform/files.ts';

export const requestsInFolder = (path: string): string[] =>
  readdirSync(path)
    .filter(isRequestFileName)
    .sort()
    .map((f) => readCodeFile(join(path, f)).trim());
