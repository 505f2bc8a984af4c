/**
 * What a file or folder the operator dropped onto the window (or the desktop opened with the app) holds, as the
 * main process reads it from the path the preload took from the drop event: a code file's text (one code, or an
 * authorization bundle), or a folder's request codes, one per line, for a batch reservation (issue 30). The
 * browser harness reads a dropped path with the same function.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { OpenedFile } from '../../shared/bridge.ts';
import { checkedBatch } from '../../shared/codes/batch-requests.ts';
import { requestsInFolder } from '../authority/request-folder.ts';
import { readCodeOrBundle } from '../device/code-file.ts';

export function readDropped(path: string): OpenedFile {
  const name = basename(path) || 'file';
  if (!statSync(path).isDirectory()) return { name, text: readCodeOrBundle(path) };
  const codes = checkedBatch(requestsInFolder(path), `The folder ${name}`, true);
  return { name, text: `${codes.join('\n')}\n`, folder: true };
}
