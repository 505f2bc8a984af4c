/**
 * A field that takes files dropped onto the window while it is on screen (incoming-file.ts says which fields
 * are): it says it is shown, and is handed the dropped files it `takes`, and every file that could not be read.
 */
import { useEffect, useRef } from 'react';
import type { OpenedFile } from '../../shared/bridge.ts';
import { onFileDropped } from '../bridge.ts';
import { codeFieldShown, type FieldKind } from './incoming-file.ts';

export function useFieldDrops(
  accept: boolean,
  kind: FieldKind,
  takes: (f: OpenedFile) => boolean,
  take: (f: OpenedFile | { readonly error: string }) => void,
): void {
  const latest = useRef({ takes, take });
  latest.current = { takes, take };
  useEffect(() => (accept ? codeFieldShown(kind) : undefined), [accept, kind]);
  useEffect(() => {
    if (!accept) return;
    return onFileDropped((f) => {
      if ('error' in f || latest.current.takes(f)) latest.current.take(f);
    });
  }, [accept, kind]);
}
