/**
 * The witness for a device registered online (issue 30): every answer to its signed calls (renewals, usage,
 * export keys) carries a checkpoint of License Central's log, its length and head hash when it answered,
 * signed with a License Central key and bound to the call it answers (the instance and the call's sequence
 * number), so it cannot be replayed on another call. The device's calls name the checkpoints it holds, and the
 * answer echoes, signed, what the log holds at the position the device saw: nothing (the log is shorter: restored
 * from an older backup) or another event (restored and logged since, or a copy that went its own way). The device
 * then refuses the answer and says so (shared/instance/witness.ts: witnessesAfterAnswer), and License Central logs
 * that it is behind (ledger-behind), as it does from a usage report. A log that grew past the position again
 * cannot hide it: the echo is of that position.
 */
import { utf8 } from '../bytes.ts';

/** A checkpoint of License Central's log as an answer carries it (the schema: online-checkpoint-schema.ts). */
export interface OnlineCheckpoint {
  readonly keyId: string;
  readonly events: number;
  readonly head: string;
  /**
   * The log at the position the device's call named for this key (its latest checkpoint of it): that event's
   * hash, or null when the log is shorter. Null echo: the call named no checkpoint of this key.
   */
  readonly echo: { readonly events: number; readonly head: string | null } | null;
  /** ECDSA P-256/SHA-256, DER, base64. */
  readonly signature: string;
}

/** A checkpoint a device names in its calls: the latest it saw of one key. */
export interface SeenCheckpoint {
  readonly keyId: string;
  readonly events: number;
  readonly head: string;
}

/** What the checkpoint's signature covers: the log's position, the echo of the device's, and the call it answers. */
export const onlineCheckpointMessage = (cp: Omit<OnlineCheckpoint, 'signature'>, instance: string, seq: number): Uint8Array =>
  utf8(`slr-desk/online-checkpoint/v1|${cp.keyId}|${cp.events}|${cp.head}|${cp.echo ? `${cp.echo.events}:${cp.echo.head ?? '-'}` : '-'}|${instance}|${seq}`);
