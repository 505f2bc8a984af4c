/**
 * The preload (built as CommonJS: a sandboxed preload cannot be an ES module). It exposes one object,
 * window.slr, with exactly the methods of the bridge contract, and nothing of Electron or Node.
 *
 * Dropped files: the preload takes them from the drop event itself, in its isolated world, and asks the
 * main process to read the path `webUtils.getPathForFile` gives. A File made by page script has no path
 * (it is ignored), and no navigation is ever turned into a file read, so page script cannot obtain a file
 * the user did not hand to the window. A code file the desktop opens with the app (a double-click) comes
 * from the main process on its own channel and reaches the same listeners.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { BRIDGE_METHODS, FILE_DROP_CHANNEL, FILE_OPEN_CHANNEL, channelOf } from '../../shared/bridge-channels.ts';
import type { OpenedFile, SlrBridge } from '../../shared/bridge.ts';

type DropListener = (file: OpenedFile | { error: string }) => void;

const api: Record<string, unknown> = {};
for (const method of BRIDGE_METHODS) {
  api[method] = (...args: unknown[]) => ipcRenderer.invoke(channelOf(method), ...args);
}

const listeners = new Set<DropListener>();
api.onFileDropped = (listener: DropListener) => {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
};

window.addEventListener('dragover', (event) => event.preventDefault());
window.addEventListener('drop', (event) => {
  event.preventDefault();
  const file = event.dataTransfer?.files[0];
  const path = file ? webUtils.getPathForFile(file) : '';
  if (!path) return; // nothing from the file system: a File made by script, or text
  void ipcRenderer.invoke(FILE_DROP_CHANNEL, path).then(
    (result: OpenedFile | { error: string }) => listeners.forEach((l) => l(result)),
    (e: unknown) => listeners.forEach((l) => l({ error: e instanceof Error ? e.message : String(e) })),
  );
});

// A code file the desktop opened with SLR Desk: the main process read it; it arrives as a dropped file does.
ipcRenderer.on(FILE_OPEN_CHANNEL, (_event, result: OpenedFile | { error: string }) => listeners.forEach((l) => l(result)));

contextBridge.exposeInMainWorld('slr', Object.freeze(api) as SlrBridge);
