/** Registers the bridge on ipcMain: one channel per method, each call checked for sender and arguments. */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { BRIDGE_METHODS, channelOf } from '../../shared/bridge.ts';
import { dispatch, type AppApi } from '../app/api.ts';
import { isTrustedSender } from './policy.ts';

export type IpcLike = Pick<IpcMain, 'handle'>;

export function senderOf(event: Pick<IpcMainInvokeEvent, 'senderFrame' | 'sender'>, window: WebContents | null) {
  const frame = event.senderFrame;
  return {
    frameUrl: frame?.url,
    isMainFrame: !!frame && frame === event.sender.mainFrame,
    fromOurWindow: !!window && event.sender === window,
  };
}

export function registerBridge(ipc: IpcLike, api: AppApi, window: () => WebContents | null): void {
  for (const method of BRIDGE_METHODS) {
    ipc.handle(channelOf(method), async (event, ...args: unknown[]) => {
      if (!isTrustedSender(senderOf(event, window()))) {
        return { ok: false, error: { code: 'untrusted-sender', message: 'Refused: the call did not come from the SLR Desk window.' } };
      }
      return dispatch(api, method, args);
    });
  }
}
