/**
 * The files a parent License Central and its satellites exchange (by hand in disconnected mode, over HTTPS in
 * connected mode: the same files either way). Each is JSON after a comment line, signed by its sender's
 * signing key over `slr-desk/sync/v1|<kind>|<from>|<payload>` (the payload is kept as the exact text signed), and
 * carries the sender's key file so that a rotated key is accepted through its endorsements.
 *
 *   enrolment        parent → satellite   who the satellite is, the parent's keys, a one-time nonce
 *   enrolment-reply  satellite → parent   the satellite's keys, the nonce back
 *   up               satellite → parent   numbered: what the satellite holds and its events since the last acknowledged
 *   down             parent → satellite   numbered: the allocations (whole), what of the satellite's it has applied
 *
 * Only the shapes are here (pure); signing and checking signatures is the Node side's (platform/crypto).
 */
import { z } from 'zod';
import { refuse } from '../errors.ts';
import { codeFromQrParts, looksLikeQrParts, QR_PART_CHARS } from '../codes/qr-parts.ts';

export const SYNC_FORMAT = 'slr-desk-sync/1';
/** A sync file read from disk or a request body: 10,000 events of a few hundred bytes each fit many times. */
export const MAX_SYNC_FILE = 64 * 1024 * 1024;
/** A sync file small enough (a round of a few events, an enrolment) is also shown as QR parts: at most this many. */
export const SYNC_QR_MAX_PARTS = 24;
export const SYNC_KINDS = ['enrolment', 'enrolment-reply', 'up', 'down'] as const;
export type SyncKind = (typeof SYNC_KINDS)[number];
export const SATELLITE_MODES = ['connected', 'disconnected'] as const;
export type SatelliteMode = (typeof SATELLITE_MODES)[number];

const id = z.string().regex(/^[0-9a-f]{32}$/);
const name = z.string().min(1).max(100);
const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const time = z.number().int().min(0).max(8_640_000_000_000_000);
const hash = z.string().regex(/^[0-9a-f]{64}$/);

/** A lot as both sides name it: the virtual account (by name) and the lot's identity. */
export const lotKeySchema = z.strictObject({
  account: name,
  tag: z.string().min(1).max(200),
  type: z.enum(['PERPETUAL', 'TERM']),
  start: time.nullable(),
  end: time.nullable(),
});
export type LotKey = z.infer<typeof lotKeySchema>;

const enrolmentSchema = z.strictObject({
  satellite: id,
  name,
  smartAccount: name,
  nonce: z.string().regex(/^[0-9a-f]{64}$/),
  mode: z.enum(SATELLITE_MODES),
  intervalMinutes: z.number().int().min(1).max(10_080),
  /** Connected mode: where the parent serves, and its certificate's fingerprint (pinned). */
  url: z.string().url().startsWith('https://').nullable(),
  fingerprint: z
    .string()
    .regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
    .nullable(),
  issuedAt: time,
});

const enrolmentReplySchema = z.strictObject({ satellite: id, name, nonce: z.string().regex(/^[0-9a-f]{64}$/), enrolledAt: time });

export const satelliteEventSchema = z.strictObject({
  id: seq,
  at: time,
  actor: z.string().max(200),
  account: z.string().max(200).nullable(),
  instance: z.string().max(400).nullable(),
  type: z.string().min(1).max(100),
  message: z.string().max(20_000),
  code: z.string().max(1_048_576).nullable(),
  hash,
});
export type SatelliteEvent = z.infer<typeof satelliteEventSchema>;

const upSchema = z.strictObject({
  satellite: id,
  seq: seq.min(1),
  /** The last parent file (down) this satellite applied: 0 before the first. */
  downApplied: seq,
  sentAt: time,
  /** Every lot the satellite has: its count (what it may hand out) and what its devices block of it. */
  holdings: z.array(lotKeySchema.extend({ count: seq, blocked: seq })).max(100_000),
  /** The satellite's events after the last one the parent acknowledged, in order, with the hash before the first. */
  events: z.strictObject({ previousHash: hash.nullable(), list: z.array(satelliteEventSchema).max(1_000_000) }),
});

const downSchema = z.strictObject({
  satellite: id,
  seq: seq.min(1),
  /** The satellite's file (up) this answers: 0 when it answers the enrolment. */
  upApplied: seq,
  sentAt: time,
  /** The satellite's events the parent holds: up to this id, ending with this hash (null before the first). */
  eventsHeld: z.strictObject({ id: seq, hash: hash.nullable() }),
  /** Every lot allocated to the satellite: what it may hand out (lots not named: none). */
  allocations: z.array(lotKeySchema.extend({ target: seq })).max(100_000),
});

export const PAYLOAD_SCHEMAS = { enrolment: enrolmentSchema, 'enrolment-reply': enrolmentReplySchema, up: upSchema, down: downSchema } as const;
export type SyncPayload<K extends SyncKind> = z.infer<(typeof PAYLOAD_SCHEMAS)[K]>;
export type Enrolment = SyncPayload<'enrolment'>;
export type EnrolmentReply = SyncPayload<'enrolment-reply'>;
export type UpFile = SyncPayload<'up'>;
export type DownFile = SyncPayload<'down'>;

/** A sync file as it is written (after its comment line) and as it travels over HTTPS in connected mode. */
export const syncEnvelopeSchema = z.strictObject({
  format: z.literal(SYNC_FORMAT),
  kind: z.enum(SYNC_KINDS),
  /** Who sent it: the smart account name (parent) or the satellite's name; for people reading the file. */
  from: name,
  payload: z.string().min(2).max(MAX_SYNC_FILE),
  keyFile: z.string().min(1).max(16_384),
  signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/),
});
export type SyncEnvelope = z.infer<typeof syncEnvelopeSchema>;

/** What a sync file's signature covers: its kind, who says it is from, and the payload. */
export function syncMessage(kind: SyncKind, from: string, payload: string): Uint8Array {
  return new TextEncoder().encode(`slr-desk/sync/v1|${kind}|${from}|${payload}`);
}

const NOT_SYNC = 'Use a file made by `slr authority satellite add`, `satellite enrol` or `sync export`/`sync import`, unchanged.';

/** Whether a sync file is small enough to travel as QR parts (the parts are read back by parseSyncFile). */
export function syncFileFitsQr(text: string): boolean {
  return text.length <= SYNC_QR_MAX_PARTS * (QR_PART_CHARS - 20);
}

/**
 * Reads a sync file's envelope (not its signature: the caller checks that against the keys it pinned). The
 * file's text, or its QR parts as scanned or pasted (in any order: put together and checked first).
 */
export function parseSyncFile(input: string): SyncEnvelope {
  const text = looksLikeQrParts(input) ? codeFromQrParts(input) : input;
  if (text.length > MAX_SYNC_FILE) refuse('bad-sync-file', `The sync file is larger than ${MAX_SYNC_FILE / 1024 / 1024} MiB.`, NOT_SYNC);
  const body = text
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n')
    .trim();
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    refuse('bad-sync-file', 'This is not an SLR Desk sync file (it is not the JSON one is written as).', NOT_SYNC);
  }
  const parsed = syncEnvelopeSchema.safeParse(json);
  if (!parsed.success) refuse('bad-sync-file', `This is not an SLR Desk sync file: ${describeIssue(parsed.error)}.`, NOT_SYNC);
  return parsed.data;
}

/** The payload of an envelope whose signature was checked, as its kind says (refused if another kind was wanted). */
export function payloadOf<K extends SyncKind>(envelope: SyncEnvelope, kind: K): SyncPayload<K> {
  if (envelope.kind !== kind) refuse('wrong-sync-file', `This is ${article(envelope.kind)} file, not ${article(kind)} file.`, NOT_SYNC);
  let json: unknown;
  try {
    json = JSON.parse(envelope.payload);
  } catch {
    refuse('bad-sync-file', 'The sync file’s contents are not JSON.', NOT_SYNC);
  }
  const parsed = PAYLOAD_SCHEMAS[kind].safeParse(json);
  if (!parsed.success) refuse('bad-sync-file', `The ${kind} file does not hold what one holds: ${describeIssue(parsed.error)}.`, NOT_SYNC);
  return parsed.data as SyncPayload<K>;
}

/** The text of a sync file: a line for people, then the envelope. */
export function formatSyncFile(envelope: SyncEnvelope, title: string): string {
  return `# SLR Desk sync file: ${title.replace(/[\r\n]/g, ' ')}\n${JSON.stringify(envelope)}\n`;
}

function article(kind: SyncKind): string {
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `${issue.path.join('.') || 'the file'}: ${issue.message}`;
}
