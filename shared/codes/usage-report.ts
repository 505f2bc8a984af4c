/**
 * Offline usage reports (issue 30): a reserved device that never talks to License Central tells it, on
 * paper or a USB stick, what it uses, and License Central answers with a signed acknowledgement.
 *
 *   report:          SLRU1.<payload, base64url JSON>.<the device key's signature, base64url DER>
 *   acknowledgement: SLRA1.<payload, base64url JSON>.<License Central's signature, base64url DER>
 *
 * One line each (copied, written to a file, or cut into QR parts like a long code). A report is numbered
 * (`seq`, 1 and up, per reservation) and covers the time since the last report License Central acknowledged
 * (`acked`, `since`): every report is whole on its own, so one that never arrived loses nothing, and its
 * figures are levels and running totals (licenses in use, time Not Authorized), never increments, so
 * importing one twice counts nothing twice. The device signs it with the key its request code carried
 * (License Central holds it); License Central signs the acknowledgement with a key the device trusts, and
 * binds it to the report by the hash of what the device signed. Pure: signing and checking go through the crypto ports.
 */
import { z } from 'zod/mini';
import { ACK_PREFIX, REPORT_PREFIX } from '../code-kinds.ts';
import { refuse } from '../errors.ts';
import { fromBase64Url, toBase64Url, toHex, utf8 } from '../bytes.ts';
import { LIMITS } from '../limits.ts';
import { codeFromQrParts, looksLikeQrParts } from './qr-parts.ts';
import '../schema-messages.ts';

export { ACK_PREFIX, REPORT_PREFIX };

/** Longest report or acknowledgement read (characters): a few hundred licenses' lines. */
export const MAX_REPORT_CHARS = 65_536;
/** Most license lines in a report or an acknowledgement. */
const MAX_LINES = 500;

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.int().check(z.gte(min), z.lte(max));
const tag = z.string().check(z.minLength(1), z.maxLength(200));
const counts = z.record(tag, int(0, LIMITS.maxCount)).check(z.refine((r) => Object.keys(r).length <= MAX_LINES, `at most ${MAX_LINES} licenses`));
const udiText = z.string().check(z.regex(/^P:[A-Za-z0-9_]{1,16},S:[0-9a-f]{5},U:[0-9a-f-]{36}$/));
const piid = z.string().check(z.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/));

const reportSchema = z.strictObject({
  udi: udiText,
  piid,
  seq: int(1),
  /** The last report License Central acknowledged to the device (0: none). */
  acked: int(0),
  /** When the device made that report (its own clock), or null: the report covers the time since the code was installed. */
  since: z.nullable(int(0)),
  /** When the device made this one (its own clock: the latest time it has seen). */
  at: int(0),
  /** The timestamp of the authorization code it runs. */
  ran: z.string().check(z.regex(/^[0-9]{1,15}$/)),
  /** Licenses in use now, by entitlement tag. */
  usage: counts,
  /** The device's Authorization Status when it made the report. */
  authorization: z.string().check(z.maxLength(100)),
  /** Time Not Authorized - Reserved under the installed code, in all (a running total). */
  overageMs: int(0),
  /** The device's state digest (shared/codes/state-digest.ts): the code it ran and the keys it trusts. */
  digest: z.string().check(z.regex(/^[0-9]{1,15}\.[0-9]{1,10}$/)),
  /**
   * The latest checkpoints of License Central's log the device has seen, per key (shared/codes/checkpoint.ts):
   * License Central finds in them that it went back (restored from an older backup, or a copy).
   */
  witness: z.optional(
    z
      .array(z.strictObject({ keyId: z.string().check(z.regex(/^[0-9a-f]{16}$/)), events: int(0), head: z.string().check(z.regex(/^[0-9a-f]{64}$/)) }))
      .check(z.maxLength(16)),
  ),
});
export type UsageReport = z.infer<typeof reportSchema>;

const ackSchema = z.strictObject({
  udi: udiText,
  piid,
  seq: int(1),
  /** SHA-256 of the report's text, hex: the acknowledgement answers that report and no other. */
  report: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  /** When License Central imported it (its clock). */
  at: int(0),
  keyId: z.string().check(z.regex(/^[0-9a-f]{16}$/)),
  /** What the instance holds at License Central, by tag. */
  reserved: counts,
  /** Licenses the report shows in use beyond what is reserved. */
  over: z.array(z.strictObject({ tag, inUse: int(0), reserved: int(0) })).check(z.maxLength(MAX_LINES)),
  /** Reports numbered between the last one License Central has and this one that never arrived (their figures are in this one). */
  missing: int(0),
});
export type UsageAck = z.infer<typeof ackSchema>;

/** What the signature covers: the kind of text and its payload, exactly as written. */
const signedBytes = (prefix: string, payload: string) => utf8(`slr-desk/${prefix}|${payload}`);

/** A signed token: prefix, payload and signature, made by `sign` over signedBytes. */
function makeToken(prefix: string, body: object, sign: (message: Uint8Array) => Uint8Array): string {
  const payload = toBase64Url(utf8(JSON.stringify(body)));
  return `${prefix}.${payload}.${toBase64Url(sign(signedBytes(prefix, payload)))}`;
}

export const makeUsageReport = (r: UsageReport, sign: (message: Uint8Array) => Uint8Array): string => makeToken(REPORT_PREFIX, r, sign);
export const makeUsageAck = (a: UsageAck, sign: (message: Uint8Array) => Uint8Array): string => makeToken(ACK_PREFIX, a, sign);

const NAMES = { [REPORT_PREFIX]: 'usage report', [ACK_PREFIX]: 'usage acknowledgement' } as const;
const MAKERS = {
  [REPORT_PREFIX]: 'Make one on the device: `license smart usage report --out FILE`.',
  [ACK_PREFIX]: 'License Central writes it: `slr authority usage import REPORT --out ACK`.',
} as const;

interface Token<T> {
  readonly body: T;
  /** The signature's input (for the caller's check with the right key). */
  readonly signed: Uint8Array;
  readonly signature: Uint8Array;
  /** The token as read, without the white space and line breaks around and inside it. */
  readonly text: string;
}

/** The token of `prefix` in `input` (wrapped across lines, with white space around), parsed; refused precisely otherwise. */
function readToken<T>(prefix: typeof REPORT_PREFIX | typeof ACK_PREFIX, input: string, schema: z.ZodMiniType<T>): Token<T> {
  const name = NAMES[prefix];
  if (input.length > MAX_REPORT_CHARS)
    refuse('report-too-large', `This is ${input.length} characters; a ${name} is at most ${MAX_REPORT_CHARS}.`, 'Check that the right file was given.');
  const text = (looksLikeQrParts(input) ? codeFromQrParts(input) : input).replace(/\s+/g, '');
  const other = prefix === REPORT_PREFIX ? ACK_PREFIX : REPORT_PREFIX;
  if (text.startsWith(`${other}.`))
    refuse(
      'report-wrong-kind',
      `This is a ${NAMES[other]}, not a ${name}.`,
      other === ACK_PREFIX
        ? 'Import it on the device: `license smart usage acknowledge FILE`.'
        : 'Import it at License Central: `slr authority usage import FILE --out ACK`.',
    );
  const m = new RegExp(`^${prefix}\\.([A-Za-z0-9_-]+)\\.([A-Za-z0-9_-]+)$`).exec(text);
  if (!m) refuse('report-malformed', `This is not a ${name}: it should be one line starting ${prefix}.`, MAKERS[prefix]);
  const json = fromBase64Url(m[1]!);
  const signature = fromBase64Url(m[2]!);
  let parsed: unknown;
  try {
    parsed = json && JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch {
    parsed = undefined;
  }
  const checked = schema.safeParse(parsed);
  if (!signature || !checked.success) {
    const issue = checked.success ? 'its signature is not base64url' : (checked.error.issues[0]?.message ?? 'unreadable');
    refuse('report-malformed', `The ${name} is damaged or altered: ${issue}.`, 'Copy it again whole from the file it came in.');
  }
  return { body: checked.data, signed: signedBytes(prefix, m[1]!), signature, text };
}

export const readUsageReport = (input: string): Token<UsageReport> => readToken(REPORT_PREFIX, input, reportSchema);
export const readUsageAck = (input: string): Token<UsageAck> => readToken(ACK_PREFIX, input, ackSchema);

/**
 * The hash an acknowledgement names its report by: SHA-256 of what the device signed (its payload), hex. Not
 * of the whole text: a signature can be written more than one way (ECDSA's, base64's spare bits), and a
 * report carried with its signature rewritten is still the same report, not a second one under its number.
 */
export function reportHash(sha256: (data: Uint8Array) => Uint8Array, reportText: string): string {
  const payload = reportText.replace(/\s+/g, '').split('.')[1] ?? '';
  return toHex(sha256(signedBytes(REPORT_PREFIX, payload)));
}

/** Licenses in use beyond what is reserved, by tag (in the order the report names them). */
export function overReserved(usage: Readonly<Record<string, number>>, reserved: Readonly<Record<string, number>>): UsageAck['over'] {
  return Object.entries(usage)
    .filter(([tag, n]) => n > (reserved[tag] ?? 0))
    .map(([tag, inUse]) => ({ tag, inUse, reserved: reserved[tag] ?? 0 }));
}
