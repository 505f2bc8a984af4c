/** The renderer's only way to the main process: window.slr, typed by the contract in shared/bridge.ts. */
import type { BridgeArgs, BridgeMethod, BridgeResults, OpenedFile, SlrBridge } from '../shared/bridge.ts';

declare global {
  interface Window {
    readonly slr: SlrBridge;
  }
}

export class BridgeError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.code = code;
    this.hint = hint;
  }
}

export async function call<M extends BridgeMethod>(method: M, ...args: BridgeArgs<M>): Promise<BridgeResults[M]> {
  const fn = window.slr[method] as (...a: BridgeArgs<M>) => ReturnType<SlrBridge[M]>;
  const reply = await fn(...args);
  if (!reply.ok) throw new BridgeError(reply.error.code, reply.error.message, reply.error.hint);
  return reply.value as BridgeResults[M];
}

export function onFileDropped(listener: (file: OpenedFile | { readonly error: string }) => void): () => void {
  return window.slr.onFileDropped(listener);
}

/** The operator-facing text of a failure. */
export function errorText(e: unknown): { code?: string; message: string; hint?: string } {
  if (e instanceof BridgeError) return { code: e.code, message: e.message, hint: e.hint };
  return { message: e instanceof Error ? e.message : String(e) };
}
