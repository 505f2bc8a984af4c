/**
 * The preload (built as CommonJS: a sandboxed preload cannot be an ES module). It exposes one object,
 * window.slr, with exactly the methods of the bridge contract, and nothing of Electron or Node.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_METHODS, FILE_DROPPED_CHANNEL, channelOf } from '../../shared/bridge-channels.ts';
import type { OpenedFile, SlrBridge } from '../../shared/bridge.ts';

const api: Record<string, unknown> = {};
for (const method of BRIDGE_METHODS) {
  api[method] = (...args: unknown[]) => ipcRenderer.invoke(channelOf(method), ...args);
}
api.onFileDropped = (listener: (file: OpenedFile | { error: string }) => void) => {
  const handler = (_event: unknown, file: OpenedFile | { error: string }) => listener(file);
  ipcRenderer.on(FILE_DROPPED_CHANNEL, handler);
  return () => ipcRenderer.removeListener(FILE_DROPPED_CHANNEL, handler);
};

contextBridge.exposeInMainWorld('slr', Object.freeze(api) as SlrBridge);
