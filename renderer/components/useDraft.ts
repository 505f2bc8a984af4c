import { useCallback, useState } from 'react';

/** What the user typed, by field: kept while the window is open, across tabs and workspaces. */
const drafts = new Map<string, unknown>();

/**
 * State that outlives its component: a code pasted on one tab is still there after a visit to another tab or
 * workspace (which unmounts the first). Kept in memory only: codes are not written anywhere unasked.
 */
/** Puts a value in a field's draft from outside it (a code file opened while its field is not on screen). */
export function setDraft(key: string, value: unknown): void {
  drafts.set(key, value);
}

export function useDraft<T>(key: string, initial: T): [T, (value: T) => void] {
  const [value, setValue] = useState<T>(() => (drafts.has(key) ? (drafts.get(key) as T) : initial));
  const set = useCallback(
    (v: T) => {
      drafts.set(key, v);
      setValue(v);
    },
    [key],
  );
  return [value, set];
}

const WORKSPACE_KEY = 'slr-desk.workspace';

/** The workspace the app opened last (kept by the renderer's own storage), or null. */
export function lastWorkspace<T extends string>(allowed: readonly T[]): T | null {
  try {
    const v = globalThis.localStorage?.getItem(WORKSPACE_KEY);
    return allowed.find((a) => a === v) ?? null;
  } catch {
    return null;
  }
}

export function rememberWorkspace(value: string): void {
  try {
    globalThis.localStorage?.setItem(WORKSPACE_KEY, value);
  } catch {
    // Storage unavailable (private mode, quota): the app opens on the default workspace next time.
  }
}
