/** The bridge's file methods: codes, QR images, receipts, event logs and the public key saved where the operator chooses. */
import { basename } from 'node:path';
import { serialOf } from '../../shared/udi.ts';
import { authorityEventsCsv, instanceEventsCsv } from '../../shared/events.ts';
import { CODE_FILE_TYPES, CODE_NAMES, codeTitle, type CodeKind } from '../../shared/code-kinds.ts';
import type { BridgeMethod } from '../../shared/bridge.ts';
import { codeFileName, readCodeFile, writeFileChecked, writeTextFile } from '../platform/files.ts';
import type { InstanceService } from '../device/instance-service.ts';
import { readCodeOrBundle } from '../device/code-file.ts';
import type { WorkspaceLedger } from './workspace-ledger.ts';
import type { LedgerPort } from '../authority/ledger-port.ts';
import { wholeLog } from '../authority/whole-log.ts';
import { chooseKeyFile, type AppApi, type AppPorts, type Dialogs } from './ports.ts';

const TEXT = [{ name: 'Text', extensions: ['txt'] }];
/** The app's own file type for a code first, and plain text. */
const CODE_FILTERS = (kind: CodeKind) => [{ name: codeTitle(kind), extensions: [CODE_FILE_TYPES[kind].ext] }, ...TEXT];
const ALL_CODES = [{ name: 'SLR codes', extensions: [...Object.values(CODE_FILE_TYPES).map((t) => t.ext), 'txt'] }];
/** The name the app saves a code under: the CLI's, with the code's own extension. */
const appCodeFileName = (sn: string, kind: CodeKind) => codeFileName(sn, kind).replace(/\.txt$/, `.${CODE_FILE_TYPES[kind].ext}`);

/** The sync files' are satellites.ts's. */
type FileMethods = Pick<AppApi, Exclude<Extract<BridgeMethod, `file${string}`>, 'fileOpenSync' | 'fileSaveSync'>>;

/** Saves a text where the operator chooses; the path, or null when cancelled. */
const textSaver =
  (dialogs: Dialogs) =>
  async (title: string, defaultName: string, text: string, filters = TEXT): Promise<string | null> => {
    const path = await dialogs.save({ title, defaultName, filters });
    if (!path) return null;
    writeTextFile(path, text);
    return path;
  };

/** `local` records on the home's own ledger what only it keeps (a key file handed out); null while connected to a server. */
export function fileMethods(ports: AppPorts, instance: InstanceService, ledger: WorkspaceLedger, local: () => Promise<LedgerPort | null>): FileMethods {
  const saveText = textSaver(ports.dialogs);

  return {
    async fileOpenCode(kind) {
      const path = await ports.dialogs.open({ title: `Open ${CODE_NAMES[kind]}`, filters: [...CODE_FILTERS(kind), ...ALL_CODES] });
      if (!path) return null;
      // An authorization code may come in a bundle of many devices' codes: the field takes this device's entry.
      return { name: basename(path), text: kind === 'authorization' ? readCodeOrBundle(path) : readCodeFile(path) };
    },
    async fileSaveCode({ kind, sn, code }) {
      return saveText(`Save ${CODE_NAMES[kind]}`, appCodeFileName(sn, kind), code, CODE_FILTERS(kind));
    },
    async fileSaveBundle({ name, text }) {
      return saveText('Save the authorization bundle', name, text, [{ name: 'Authorization bundle', extensions: ['json'] }]);
    },
    async fileSaveQr({ kind, sn, code }) {
      const path = await ports.dialogs.save({
        title: `Save ${CODE_NAMES[kind]} as QR code`,
        defaultName: codeFileName(sn, kind).replace(/\.txt$/, '.png'),
        filters: [{ name: 'PNG image', extensions: ['png'] }],
      });
      if (!path) return null;
      // Loaded when first used: the QR encoder is no part of the app's start-up (README: Start-up budget).
      const { saveQrImages } = await import('../documents/qr-files.ts');
      return saveQrImages(path, code);
    },
    async fileSaveReceipt({ kind, sn, code, udi }) {
      const path = await ports.dialogs.save({
        title: `Save a receipt of the ${CODE_NAMES[kind]}`,
        defaultName: codeFileName(sn, kind).replace(/\.txt$/, '-receipt.pdf'),
        filters: [{ name: 'PDF', extensions: ['pdf'] }],
      });
      if (!path) return null;
      const { receiptPdf } = await import('../documents/receipt.ts');
      writeFileChecked(path, await receiptPdf({ kind, code, ...(udi ? { udi } : {}), printedAt: ports.now() }));
      return path;
    },
    async fileSaveEvents(side) {
      if (side === 'instance') {
        const state = instance.load();
        return saveText('Export event log', `${serialOf(state.uuid)}-events.csv`, instanceEventsCsv(state.events), [{ name: 'CSV', extensions: ['csv'] }]);
      }
      return saveText('Export event log', 'license-central-events.csv', authorityEventsCsv(await ledger((l) => wholeLog(l))), [
        { name: 'CSV', extensions: ['csv'] },
      ]);
    },
    fileOpenKey: () => chooseKeyFile(ports.dialogs),
    async fileSavePublicKey() {
      const key = await ledger((l) => l.exportKey());
      const path = await saveText('Export public key', `license-central-${key.id}.pem`, key.file, [{ name: 'PEM', extensions: ['pem'] }]);
      const own = path ? await local() : null;
      if (own && path) await own((l) => l.recordKeyExport(key.id, basename(path), ports.now()));
      return path;
    },
  };
}
