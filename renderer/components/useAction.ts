import { useCallback, useRef, useState } from 'react';
import { errorText } from '../bridge.ts';

/**
 * Runs an async action, tracking busy state and the operator-facing error. One at a time: a second run
 * while one is in flight (a double click, before the button is disabled) is ignored, so that no action is
 * sent twice (a refused code entered twice would count as two wrong codes). A view's loads may overlap
 * (`overlap`): a load asked after an action must run, whatever load is still on its way.
 */
export function useAction(overlap = false) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code?: string; message: string; hint?: string } | null>(null);
  const inFlight = useRef(false);
  const run = useCallback(async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    if (inFlight.current && !overlap) return undefined;
    inFlight.current = true;
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (e) {
      setError(errorText(e));
      return undefined;
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}
