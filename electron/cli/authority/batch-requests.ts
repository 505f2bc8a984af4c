/**
 * The request codes of a batch (`slr authority reserve --requests FILE|DIR`): a folder of request files (each
 * `*-request.txt` or `*.slrreq` holds one code, as `license smart reservation request --out DIR` and the app
 * write them), or one file with a code per line, or a CSV whose rows carry one (shared/codes/batch-requests.ts
 * says how a text is read; the app reads a dropped folder with the same function).
 */
import { statSync } from 'node:fs';
import { MAX_BUNDLE_BYTES } from '../../../shared/codes/authorization-bundle.ts';
import { checkedBatch, requestCodesInText } from '../../../shared/codes/batch-requests.ts';
import { refuse } from '../../../shared/errors.ts';
import { readCodeFile } from '../../platform/files.ts';
import { requestsInFolder } from '../../authority/request-folder.ts';

export function readRequests(path: string): readonly string[] {
  let dir = false;
  try {
    dir = statSync(path).isDirectory();
  } catch {
    refuse('file', `${path} does not exist.`, 'Give a folder of request files, or a file with one request code per line.');
  }
  return checkedBatch(dir ? requestsInFolder(path) : requestCodesInText(readCodeFile(path, MAX_BUNDLE_BYTES)), path, dir);
}
