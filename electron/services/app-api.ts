/**
 * The bridge API (shared/bridge.ts) implemented over the same services as the CLI. The Electron main process
 * serves it over IPC; the browser test harness serves it over HTTP. Dialogs and the clipboard are ports, so
 * that neither this module nor anything the renderer sends ever names a file path.
 */
import { basename } from 'node:path';
import { formatUdi, serialOf } from '../../shared/udi.ts';
import { isSlrError } from '../../shared/errors.ts';
import { authorityEventsCsv, instanceEventsCsv } from '../../shared/events.ts';
import type { Outcome } from '../../shared/instance/rules.ts';
import { parseBridgeArgs, type BridgeArgs, type BridgeMethod, type BridgeReply, type BridgeResults, type CommandResult } from '../../shared/bridge.ts';
import { sqliteLedgerPort, type LedgerPort } from './authority/ledger-port.ts';
import { readInstanceView } from './app-views.ts';
import { authorityApi } from './app-authority.ts';
import { onlineApi } from './app-online.ts';
import { tokenApi } from './app-tokens.ts';
import { codeFileName, readCodeFile, writeFileChecked, writeTextFile } from './files.ts';
import { saveQrImages } from './qr-files.ts';
import { instanceService, type KeySealer, type StoreFactory } from './instance-service.ts';
import { LIMITS } from '../../shared/limits.ts';
import { CODE_NAMES } from '../../shared/code-kinds.ts';

export interface Dialogs {
  /** Lets the operator choose a file to open; resolves to its path, or null when cancelled. */
  open(options: { title: string; filters: { name: string; extensions: string[] }[] }): Promise<string | null>;
  /** Lets the operator choose where to save; resolves to the path, or null when cancelled. */
  save(options: { title: string; defaultName: string; filters: { name: string; extensions: string[] }[] }): Promise<string | null>;
}

export interface AppPorts {
  readonly dir: string;
  readonly dialogs: Dialogs;
  readonly clipboard: { writeText(text: string): void };
  readonly now: () => number;
  readonly stores?: StoreFactory;
  readonly sealer?: KeySealer;
  /** License Central key files a packaged app is built with: a new product instance is provisioned with them. */
  readonly provisionedKeys?: readonly { text: string; label: string }[];
  /** The license authority's ledger; by default the embedded one in `dir`. */
  readonly ledger?: LedgerPort;
}

export type AppApi = { [M in BridgeMethod]: (...args: BridgeArgs<M>) => Promise<BridgeResults[M]> };

const TEXT = [{ name: 'Text', extensions: ['txt'] }];

function result(o: Outcome): CommandResult {
  const warnings = (o.warnings ?? []).map((w) => `Warning: ${w}`);
  return { message: [...warnings, o.message].join(' '), issued: o.issued ?? null };
}

export function createAppApi(ports: AppPorts): AppApi {
  const instance = instanceService({ dir: ports.dir, stores: ports.stores, sealer: ports.sealer });
  const baseLedger: LedgerPort = ports.ledger ?? sqliteLedgerPort(ports.dir);
  // The passphrase of passphrase-protected signing keys, once the operator typed it: for this run of the app
  // only, in this process's memory, never written or sent back to the renderer.
  let passphrase: string | null = null;
  const withLedger: LedgerPort = (fn, use = {}) =>
    baseLedger(fn, passphrase !== null && !use.keySecret ? { ...use, keySecret: { kind: 'passphrase', passphrase } } : use);
  const instanceView = () => readInstanceView(instance, ports);
  const authority = authorityApi({
    dir: ports.dir,
    now: ports.now,
    local: withLedger,
    passphraseGiven: () => passphrase !== null,
    async unlock(typed) {
      // Checked against the ledger's check value before it is kept: a wrong one is refused (wrong-passphrase).
      await baseLedger((l) => l.core.keyStorage(), { keySecret: { kind: 'passphrase', passphrase: typed } });
      passphrase = typed;
    },
  });

  const saveText = async (title: string, defaultName: string, text: string, filters = TEXT) => {
    const path = await ports.dialogs.save({ title, defaultName, filters });
    if (!path) return null;
    writeTextFile(path, text);
    return path;
  };

  return {
    instanceView,
    async instanceInit(pid) {
      await instance.init(pid, ports.now(), ports.provisionedKeys ?? []);
      return instanceView();
    },
    instanceCommand: async (command) => result(await instance.run(command, ports.now())),
    async instanceInspect(code) {
      const i = await instance.inspect(code, ports.now());
      const signer = i.signer;
      return {
        piid: i.code.piid,
        issuedAt: Number(i.code.timestamp),
        udi: formatUdi(i.code.udi),
        udiMatches: i.udiMatches,
        signer: signer ? { id: signer.id, label: signer.label } : null,
        entitlements: i.code.entitlements,
        problems: i.problems,
        isUpdate: i.isUpdate,
        impact: i.impact,
      };
    },
    async instanceInstall(code) {
      return result(await instance.run({ type: 'install', code }, ports.now()));
    },
    async instanceReturnAuthorization(code) {
      return result(await instance.run({ type: 'return-authorization', code }, ports.now()));
    },
    async instanceTrustFromFile() {
      const path = await ports.dialogs.open({ title: 'License Central public key', filters: [{ name: 'Public key', extensions: ['pem', 'txt'] }] });
      if (!path) return null;
      return result(await instance.trust(readCodeFile(path, LIMITS.keyFileBytes), basename(path), ports.now()));
    },
    async instanceTrustRemove(id) {
      return result(await instance.run({ type: 'trust-remove', id }, ports.now()));
    },

    ...authority.methods,
    ...{ ...tokenApi(ports.dir, authority.ledger, ports.now), ...onlineApi(instance, ports.now) },

    async fileOpenCode(kind) {
      const path = await ports.dialogs.open({ title: `Open ${CODE_NAMES[kind]}`, filters: TEXT });
      if (!path) return null;
      return { name: basename(path), text: readCodeFile(path) };
    },
    async fileSaveCode({ kind, sn, code }) {
      return saveText(`Save ${CODE_NAMES[kind]}`, codeFileName(sn, kind), code);
    },
    async fileSaveQr({ kind, sn, code }) {
      const path = await ports.dialogs.save({
        title: `Save ${CODE_NAMES[kind]} as QR code`,
        defaultName: codeFileName(sn, kind).replace(/\.txt$/, '.png'),
        filters: [{ name: 'PNG image', extensions: ['png'] }],
      });
      if (!path) return null;
      return saveQrImages(path, code);
    },
    async fileSaveReceipt({ kind, sn, code, udi }) {
      const path = await ports.dialogs.save({
        title: `Save a receipt of the ${CODE_NAMES[kind]}`,
        defaultName: codeFileName(sn, kind).replace(/\.txt$/, '-receipt.pdf'),
        filters: [{ name: 'PDF', extensions: ['pdf'] }],
      });
      if (!path) return null;
      const { receiptPdf } = await import('./receipt.ts');
      writeFileChecked(path, await receiptPdf({ kind, code, ...(udi ? { udi } : {}), printedAt: ports.now() }));
      return path;
    },
    async fileSaveEvents(side) {
      if (side === 'instance') {
        const state = instance.load();
        return saveText('Export event log', `${serialOf(state.uuid)}-events.csv`, instanceEventsCsv(state.events), [{ name: 'CSV', extensions: ['csv'] }]);
      }
      return saveText('Export event log', 'license-central-events.csv', authorityEventsCsv(await authority.ledger((l) => l.events())), [
        { name: 'CSV', extensions: ['csv'] },
      ]);
    },
    async fileSavePublicKey() {
      const key = await authority.ledger((l) => l.exportKey());
      return saveText('Export public key', `license-central-${key.id}.pem`, key.file, [{ name: 'PEM', extensions: ['pem'] }]);
    },
    async clipboardWrite(text) {
      ports.clipboard.writeText(text);
      return null;
    },
  };
}

/** Validates a call against the contract and runs it; every outcome is data, never a thrown Error. */
export async function dispatch(api: AppApi, method: string, args: unknown): Promise<BridgeReply<unknown>> {
  const parsed = parseBridgeArgs(method, args);
  if (!parsed.ok) return { ok: false, error: { code: 'bad-call', message: parsed.message } };
  try {
    const fn = api[parsed.method] as (...a: unknown[]) => Promise<unknown>;
    return { ok: true, value: await fn(...parsed.args) };
  } catch (e) {
    if (isSlrError(e)) return { ok: false, error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } };
    return { ok: false, error: { code: 'internal', message: `Internal error: ${(e as Error).message}` } };
  }
}
