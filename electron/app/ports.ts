/** What the bridge API's implementation is given (dialogs, clipboard, clock, stores) and what it is: the types its modules share. */
import type { Outcome } from '../../shared/instance/rules.ts';
import type { BridgeArgs, BridgeMethod, BridgeResults, CommandResult } from '../../shared/bridge.ts';
import type { LedgerPort } from '../authority/ledger-port.ts';
import type { LinkFor } from '../authority/satellite/connected.ts';
import type { StoreFactory } from '../device/instance-service.ts';
import type { KeySealer } from '../platform/key-sealer.ts';
import { basename } from 'node:path';
import { LIMITS } from '../../shared/limits.ts';
import { readCodeFile } from '../platform/files.ts';

export interface Dialogs {
  /** Lets the operator choose a file to open; resolves to its path, or null when cancelled. */
  open(options: { title: string; filters: { name: string; extensions: string[] }[] }): Promise<string | null>;
  /** Lets the operator choose where to save; resolves to the path, or null when cancelled. */
  save(options: { title: string; defaultName: string; filters: { name: string; extensions: string[] }[] }): Promise<string | null>;
}

export interface AppPorts {
  readonly dir: string;
  readonly dialogs: Dialogs;
  readonly clipboard: { writeText(text: string): void | Promise<void> };
  readonly now: () => number;
  readonly stores?: StoreFactory;
  readonly sealer?: KeySealer;
  /** License Central key files a packaged app is built with: a new product instance is provisioned with them. */
  readonly provisionedKeys?: readonly { text: string; label: string }[];
  /** The license authority's ledger; by default the embedded one in `dir`. */
  readonly ledger?: LedgerPort;
  /** Why the signing keys' key in the OS secret store cannot be opened (null: it can, or there is none). */
  readonly keysProblem?: () => string | null;
  /** How a connected satellite reaches its parent; by default over HTTPS, pinned (the tests carry files in-process). */
  readonly linkFor?: LinkFor;
}

export type AppApi = { [M in BridgeMethod]: (...args: BridgeArgs<M>) => Promise<BridgeResults[M]> };

export function result(o: Outcome): CommandResult {
  const warnings = (o.warnings ?? []).map((w) => `Warning: ${w}`);
  return { message: [...warnings, o.message].join(' '), issued: o.issued ?? null };
}

/** A License Central public-key file the operator chooses: its name and text (bounded), or null when cancelled. */
export async function chooseKeyFile(dialogs: Dialogs): Promise<{ name: string; text: string } | null> {
  const path = await dialogs.open({ title: 'License Central public key', filters: [{ name: 'Public key', extensions: ['pem', 'txt'] }] });
  return path ? { name: basename(path), text: readCodeFile(path, LIMITS.keyFileBytes) } : null;
}
