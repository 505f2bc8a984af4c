/**
 * A witness against a License Central that goes back in time (issue 30): every authorization code License
 * Central issues comes with a checkpoint of its event log, the log's length and head hash when the code was
 * signed, signed with the code's key and bound to the code (its piid and timestamp), so it cannot be moved to
 * another code. It follows the code's XML, which stays exactly the seeds':
 *
 *   <specificPLR>…</specificPLR> SLRW1.<key id>.<events>.<confirmed>.<head, hex>.<codes known>.<signature, base64url DER, padded>
 *
 * It also names the codes License Central issued to the same product instance that the device may hold (the
 * last one confirmed and every one after it, by their checkpoints: `<events>:<head's first 12 hex digits>`,
 * at most 32). A device remembers the checkpoint of the last code it accepted. A License Central restored
 * from an older backup, or a copy of its ledger that went its own way, does not record that code: its next
 * code does not name it (or comes with a log no longer than the device saw), and the device refuses it
 * (shared/instance/witness.ts), saying what happened and what to do. Pure: the signature is checked through
 * the device's crypto port.
 */
import { refuse } from '../errors.ts';
import { fromBase64Url, toBase64Url, utf8 } from '../bytes.ts';

export const CHECKPOINT_PREFIX = 'SLRW1';
/** The head of an empty log. */
export const EMPTY_HEAD = '0'.repeat(64);

export interface Checkpoint {
  /** License Central's signing key that signed it (and the code). */
  readonly keyId: string;
  /** Events in License Central's log when the code was signed. */
  readonly events: number;
  /** The hash of the last of them (SHA-256, hex; EMPTY_HEAD for none). */
  readonly head: string;
  /**
   * The codes License Central issued to this product instance before this one that the device may hold: the
   * last one confirmed and every one after it, each as codeMark writes it (none: the first code).
   */
  readonly known: readonly string[];
  /**
   * The events of the last code the device confirmed having installed (its confirmation code entered), or 0:
   * none. A confirmation is the device's own word, so a later one than the code it holds means the device's
   * state went back (License Central shows that at the next exchange), not License Central's.
   */
  readonly confirmed: number;
  readonly signature: Uint8Array;
}

/** What the checkpoint's signature covers: the log's position and the code it comes with. */
export const checkpointMessage = (c: Omit<Checkpoint, 'signature'>, piid: string, timestamp: string): Uint8Array =>
  utf8(`slr-desk/checkpoint/v1|${c.keyId}|${c.events}|${c.confirmed}|${c.head}|${c.known.join(',')}|${piid.toLowerCase()}|${timestamp}`);

/**
 * The signature (DER, at most 72 bytes) padded with zero bytes to 72: 96 characters always, so the token has
 * an end of its own even when unwrapping joins it to the text that follows (a receipt's next heading).
 */
const SIGNATURE_BYTES = 72;

export function formatCheckpoint(c: Checkpoint): string {
  const padded = new Uint8Array(SIGNATURE_BYTES);
  padded.set(c.signature.subarray(0, SIGNATURE_BYTES));
  return `${CHECKPOINT_PREFIX}.${c.keyId}.${c.events}.${c.confirmed}.${c.head}.${c.known.join(',')}.${toBase64Url(padded)}`;
}

/** The token at the start of `text`: what it is made of, with a fixed-length signature. */
export const CHECKPOINT_TOKEN =
  /^SLRW1\.([0-9a-f]{16})\.(0|[1-9][0-9]{0,14})\.(0|[1-9][0-9]{0,14})\.([0-9a-f]{64})\.((?:[0-9]{1,15}:[0-9a-f]{12})(?:,[0-9]{1,15}:[0-9a-f]{12}){0,31})?\.([A-Za-z0-9_-]{96})/;
const TOKEN = new RegExp(`${CHECKPOINT_TOKEN.source}$`);

/** The DER signature inside its zero padding, or null. */
function unpadded(text: string): Uint8Array | null {
  const bytes = fromBase64Url(text);
  if (!bytes || bytes.length !== SIGNATURE_BYTES || bytes[0] !== 0x30) return null;
  const length = bytes[1]! + 2;
  return length <= SIGNATURE_BYTES && bytes.subarray(length).every((b) => b === 0) ? bytes.slice(0, length) : null;
}

/** Reads a checkpoint as formatCheckpoint writes it; anything else is refused as damaged. */
export function parseCheckpoint(text: string): Checkpoint {
  const m = TOKEN.exec(text);
  const known = m?.[5] ? m[5].split(',') : [];
  const events = (mark: string) => Number(mark.split(':')[0]);
  // The codes before this one were logged before it was signed (their logs were shorter); the confirmed one
  // is the first of those known.
  const sound = m && known.every((k) => events(k) < Number(m[2])) && (m[3] === '0' || (known.length > 0 && events(known[0]!) === Number(m[3])));
  const sig = sound ? unpadded(m[6]!) : null;
  if (!m || !sig) {
    refuse(
      'code-malformed',
      `The License Central checkpoint after the authorization code is damaged: expected ${CHECKPOINT_PREFIX}.<key id>.<events>.<confirmed>.<head>.<codes known>.<signature>, found "${text.slice(0, 60)}${text.length > 60 ? '…' : ''}".`,
      'Use the code as License Central wrote it: its file, its QR code, or copied again whole.',
    );
  }
  return { keyId: m[1]!, events: Number(m[2]), confirmed: Number(m[3]), head: m[4]!, known, signature: sig };
}

const CLOSE = '</specificPLR>';

/**
 * Splits the checkpoint off an authorization code's text (after its unwrapping): the token right after the
 * code's closing tag, with or without white space between (unwrapping joins the lines). The text is given
 * back as it was when there is none.
 */
export function splitCheckpoint(text: string): { readonly code: string; readonly checkpoint: string | null } {
  const at = text.lastIndexOf(`${CHECKPOINT_PREFIX}.`);
  if (at < 0) return { code: text, checkpoint: null };
  const before = text.slice(0, at).trimEnd();
  if (!before.endsWith(CLOSE)) return { code: text, checkpoint: null };
  return { code: before, checkpoint: text.slice(at).trim() };
}

/** Codes named in `known` at most: the last confirmed and those after it (more: the oldest are left out). */
export const MAX_KNOWN = 32;

/** How a checkpoint names its code in a later checkpoint's `known`. */
export const codeMark = (c: Pick<Checkpoint, 'events' | 'head'>): string => `${c.events}:${c.head.slice(0, 12)}`;

/** The code's text with its checkpoint, as License Central hands it out. */
export const withCheckpoint = (code: string, checkpoint: Checkpoint): string => `${code} ${formatCheckpoint(checkpoint)}`;
