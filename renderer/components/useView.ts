import { useCallback, useEffect, useState } from 'react';
import type { BridgeResults } from '../../shared/bridge.ts';
import { call } from '../bridge.ts';
import { useAction } from './useAction.ts';

/** A workspace's view from the main process, loaded on mount and again by refresh(). */
export function useView<M extends 'instanceView' | 'authorityView'>(method: M) {
  const [view, setView] = useState<BridgeResults[M] | null>(null);
  const load = useAction(true);
  const refresh = useCallback(() => load.run(async () => setView(await (call as (m: M) => Promise<BridgeResults[M]>)(method))), [load.run, method]);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  return { view, setView, refresh, error: load.error };
}
