/**
 * A code file dropped on the window or opened with the app by the desktop (a double-click), when no code
 * field is on screen to take it: what kind of code it is (by its name, else its text), and where it goes.
 * Code fields say they are on screen (`codeFieldShown`); while one is, it takes the file itself.
 */
import { ACK_PREFIX, CODE_FILE_TYPES, CODE_KINDS, REPORT_PREFIX, type CodeKind } from '../../shared/code-kinds.ts';
import { requestCodesInText } from '../../shared/codes/batch-requests.ts';

/** What a field takes: a code of a kind, a satellite's sync file, or a batch of request codes. */
export type FieldKind = CodeKind | 'sync' | 'request-batch';

/** The code fields on screen, by the kind of code each takes. */
const shown = new Map<FieldKind, number>();

/** A code field of `kind` taking dropped files came on screen; the function returned says it left. */
export function codeFieldShown(kind: FieldKind): () => void {
  shown.set(kind, (shown.get(kind) ?? 0) + 1);
  return () => {
    shown.set(kind, shown.get(kind)! - 1);
  };
}

export const codeFieldOnScreen = (): boolean => [...shown.values()].some((n) => n > 0);

/**
 * Whether a field of `kind` takes a dropped file: not when the file is of another kind whose own field is on
 * screen too (a usage acknowledgement dropped beside an authorization code's field goes to its own field).
 */
export function fieldTakes(kind: CodeKind, file: { name: string; text: string; folder?: boolean }): boolean {
  // A folder, or a file of many request codes, is a batch: never one code's, and the batch's field's when shown.
  if (file.folder) return false;
  if (kind === 'request' && (shown.get('request-batch') ?? 0) > 0 && isBatch(file)) return false;
  const of = kindOfFile(file.name, file.text);
  return of === null || of === kind || !((shown.get(of) ?? 0) > 0);
}

/** A dropped folder of request files, or a file of more than one request code: a batch reservation's. */
export function isBatch(file: { name: string; text: string; folder?: boolean }): boolean {
  if (file.folder) return true;
  const kind = kindOfFile(file.name, file.text);
  return (kind === null || kind === 'request') && requestCodesInText(file.text).length > 1;
}

/** The kind of code a file holds: by its extension or its CLI name (`cc920-return.txt`), else an authorization code's XML. */
export function kindOfFile(name: string, text: string): CodeKind | null {
  const lower = name.toLowerCase();
  const byName = CODE_KINDS.find((k) => lower.endsWith(`.${CODE_FILE_TYPES[k].ext}`) || lower.endsWith(`-${k}.txt`));
  if (byName) return byName;
  const start = text.trimStart();
  if (start.startsWith(`${REPORT_PREFIX}.`)) return 'usage-report';
  if (start.startsWith(`${ACK_PREFIX}.`)) return 'usage-ack';
  return text.includes('<specificPLR') ? 'authorization' : null;
}

/** Where each kind is entered, and the draft of the field that takes it (if one field does). */
export const DESTINATION: Readonly<Record<CodeKind, { workspace: 'instance' | 'authority'; where: string; draft?: string }>> = {
  authorization: { workspace: 'instance', where: 'the Reservation tab’s Authorization code field', draft: 'instance.authorization-code' },
  request: { workspace: 'authority', where: 'the License Reservation tab’s Request code field', draft: 'authority.request-code' },
  confirmation: { workspace: 'authority', where: 'its product instance’s “Enter Confirmation Code…” (Product Instances tab)' },
  return: { workspace: 'authority', where: 'its product instance’s “Remove…” (Product Instances tab)' },
  'usage-report': { workspace: 'authority', where: 'the Usage Reports tab’s Usage report field', draft: 'authority.usage-report' },
  'usage-ack': { workspace: 'instance', where: 'the Reservation tab’s Usage reports section (Acknowledgement field)', draft: 'instance.usage-ack' },
};
