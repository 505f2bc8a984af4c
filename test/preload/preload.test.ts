// The preload, run against a fake of `electron` and a fake window: it exposes exactly the contract, and a
// drop reaches the main process only with a path the file system gave (webUtils), never for a File that
// page script made.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { BRIDGE_METHODS, FILE_DROP_CHANNEL, FILE_OPEN_CHANNEL } from '../../shared/bridge-channels.ts';

type Listener = (event: unknown) => void;
const fake = vi.hoisted(() => ({
  exposed: new Map<string, Record<string, unknown>>(),
  invoked: [] as unknown[][],
  windowListeners: new Map<string, Listener>(),
  paths: new Map<object, string>(),
  channels: new Map<string, (event: unknown, ...args: unknown[]) => void>(),
}));

vi.mock('electron', () => {
  const electron = {
    contextBridge: { exposeInMainWorld: (name: string, api: Record<string, unknown>) => fake.exposed.set(name, api) },
    ipcRenderer: {
      invoke: async (...args: unknown[]) => {
        fake.invoked.push(args);
        return args[0] === FILE_DROP_CHANNEL ? { name: 'x.txt', text: 'code' } : { ok: true, value: null };
      },
      on: (channel: string, fn: (event: unknown, ...args: unknown[]) => void) => fake.channels.set(channel, fn),
    },
    webUtils: { getPathForFile: (file: object) => fake.paths.get(file) ?? '' },
  };
  return { ...electron, default: electron };
});

function dropEvent(file: object | null) {
  let prevented = false;
  return {
    event: {
      preventDefault: () => {
        prevented = true;
      },
      dataTransfer: { files: file ? [file] : [] },
    },
    prevented: () => prevented,
  };
}

describe('the preload', () => {
  beforeAll(async () => {
    (globalThis as { window?: unknown }).window = { addEventListener: (name: string, fn: Listener) => fake.windowListeners.set(name, fn) };
    await import('../../electron/preload/preload.ts');
  });

  it("exposes window.slr with exactly the contract's methods and the drop listener, frozen", () => {
    const api = fake.exposed.get('slr')!;
    expect(Object.keys(api).sort()).toEqual([...BRIDGE_METHODS, 'onFileDropped'].sort());
    expect(Object.isFrozen(api)).toBe(true);
  });

  it("sends a dropped file's path to the main process only when the file system gave one", async () => {
    const got: unknown[] = [];
    const off = (fake.exposed.get('slr')!.onFileDropped as (l: (f: unknown) => void) => () => void)((f) => got.push(f));
    const drop = fake.windowListeners.get('drop')!;
    // A File made by page script: no path, nothing is read.
    const scripted = dropEvent({ name: 'product-instance.json' });
    drop(scripted.event);
    expect(scripted.prevented()).toBe(true);
    expect(fake.invoked.filter((c) => c[0] === FILE_DROP_CHANNEL)).toEqual([]);
    // A file the user dropped from the desktop: its path goes to the main process, its text comes back.
    const real = {};
    fake.paths.set(real, '/media/usb/cc920-authorization.txt');
    drop(dropEvent(real).event);
    await vi.waitFor(() => expect(got).toEqual([{ name: 'x.txt', text: 'code' }]));
    expect(fake.invoked.filter((c) => c[0] === FILE_DROP_CHANNEL)).toEqual([[FILE_DROP_CHANNEL, '/media/usb/cc920-authorization.txt']]);
    off();
    drop(dropEvent(real).event);
    await new Promise((r) => setTimeout(r, 10));
    expect(got).toHaveLength(1);
  });

  it('gives the drop listeners a code file the desktop opened with the app (read by the main process), and only that channel', () => {
    const got: unknown[] = [];
    const off = (fake.exposed.get('slr')!.onFileDropped as (l: (f: unknown) => void) => () => void)((f) => got.push(f));
    expect([...fake.channels.keys()]).toEqual([FILE_OPEN_CHANNEL]);
    fake.channels.get(FILE_OPEN_CHANNEL)!({}, { name: 'cc920-authorization.slrauth', text: '<specificPLR/>' });
    expect(got).toEqual([{ name: 'cc920-authorization.slrauth', text: '<specificPLR/>' }]);
    off();
  });
});
