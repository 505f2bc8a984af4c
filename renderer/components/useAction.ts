import { useCallback, useState } from 'react';
import { errorText } from '../bridge.ts';

/** Runs an async action, tracking busy state and the operator-facing error. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code?: string; message: string; hint?: string } | null>(null);
  const run = useCallback(async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (e) {
      setError(errorText(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}
