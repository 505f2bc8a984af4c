/**
 * The device as a witness of License Central's log (issue 30; the checkpoint is shared/codes/checkpoint.ts):
 * it keeps, per License Central signing key, the checkpoint of the last code it accepted, and refuses a code
 * from a License Central that no longer records that code (restored from an older backup: its log is no
 * longer than the device saw, or its code names an earlier one as the last it gave), or whose log has another
 * head at the same length (a copy of the ledger that went its own way), and a code that comes without a
 * checkpoint once it has seen one. `license smart checkpoint forget` is the explicit way to accept such a
 * License Central.
 */
import { refuse } from '../errors.ts';
import { formatInstant } from '../codes/dates.ts';
import { CHECKPOINT_PREFIX, checkpointMessage, codeMark } from '../codes/checkpoint.ts';
import type { AuthorizationCode } from '../codes/authorization-code.ts';
import type { DeviceCrypto } from '../ports.ts';
import { fromBase64 } from '../bytes.ts';
import { onlineCheckpointMessage, type OnlineCheckpoint } from '../registration/online-checkpoint.ts';
import type { InstanceState, TrustedKey, Witness } from './state.ts';

export const FORGET_COMMAND = 'license smart checkpoint forget';
/** Witnesses kept at most: one per trusted key (a device trusts at most 100). */
export const MAX_WITNESSES = 100;

const RESTORE_HINT = `Tell License Central's administrator: restore the latest backup of its ledger (or go back to the License Central that issued this device's codes), then make the code again. Only if the older ledger is the one to keep from now on: accept it here with \`slr ${FORGET_COMMAND}\`, then install again.`;

/**
 * The witnesses after `code` is accepted, or a refusal: its checkpoint must verify with the code's signer and
 * not be behind, nor beside, the latest this device has seen from that key.
 */
export function witnessesAfter(state: InstanceState, code: AuthorizationCode, signer: TrustedKey, crypto: DeviceCrypto, now: number): readonly Witness[] {
  const all = state.witness ?? [];
  const seen = all.find((w) => w.keyId === signer.id);
  const cp = code.checkpoint;
  if (!cp) {
    if (!seen) return all;
    return refuse(
      'checkpoint-missing',
      `This authorization code comes without License Central's checkpoint, and this device has seen its log at ${seen.events} events (${formatInstant(seen.at)}): a License Central of an older SLR Desk, or the code was cut short.`,
      `Use the code as License Central wrote it: its file, its QR code, or copied whole with the ${CHECKPOINT_PREFIX} part after </specificPLR>. ${RESTORE_HINT}`,
    );
  }
  if (cp.keyId !== signer.id || !crypto.verify(signer.publicKey, checkpointMessage(cp, code.piid, code.timestamp), cp.signature)) {
    refuse(
      'untrusted',
      "License Central's checkpoint after the authorization code does not verify: it was changed, or taken from another code.",
      'Use the code as License Central wrote it: its file, its QR code, or copied again whole.',
    );
  }
  if (seen && cp.events === seen.events && cp.head !== seen.head) {
    refuse(
      'authority-forked',
      `License Central's log is not the one this device saw: ${cp.events} events in both, with another last event (${cp.head.slice(0, 12)}… here, ${seen.head.slice(0, 12)}… seen ${formatInstant(seen.at)}). Two copies of its ledger are in use.`,
      RESTORE_HINT,
    );
  }
  // License Central logs every code it issues, so its next code for this device comes with a longer log and,
  // while the device holds an installed code (the last it accepted), names it among those it issued since the
  // last one confirmed. (A device that holds none, returned or restored from a backup, has nothing to lose; one
  // whose later code License Central saw confirmed was itself put back, which License Central shows.)
  const lost = seen !== undefined && state.installed !== null && !cp.known.includes(codeMark(seen)) && cp.confirmed <= seen.events;
  if (seen && (cp.events <= seen.events || lost)) {
    refuse(
      'authority-rolled-back',
      `License Central has gone back: this device holds a code it issued at ${seen.events} events of its log (${formatInstant(seen.at)}), which License Central no longer records (this code, at ${cp.events} events, does not name it). It was restored from an older backup, or this code comes from a copy of its ledger; installing it could count licenses twice.`,
      RESTORE_HINT,
    );
  }
  const next: Witness = { keyId: cp.keyId, events: cp.events, head: cp.head, at: now };
  return [...all.filter((w) => w.keyId !== cp.keyId), next].slice(-MAX_WITNESSES);
}

const ONLINE_HINT = `Tell License Central's administrator: restore the latest backup of its ledger (or point this device back at the License Central it registered with). Only if the older ledger is the one to keep from now on: accept it here with \`slr ${FORGET_COMMAND}\`.`;

/**
 * The witnesses after an answer of License Central to a call of this device registered online (instance
 * `instance`, sequence number `seq`), or a refusal: its checkpoint must verify with the key it names, and its
 * echo of the position this device saw must hold the event this device saw there. A checkpoint signed by a key
 * this device does not trust (a key added since, not yet imported) is not kept, and an answer without one
 * changes nothing.
 */
export function witnessesAfterAnswer(
  state: InstanceState,
  cp: OnlineCheckpoint | undefined,
  call: { instance: string; seq: number },
  crypto: DeviceCrypto,
  now: number,
): readonly Witness[] {
  const all = state.witness ?? [];
  const signer = cp && state.trustedKeys.find((k) => k.id === cp.keyId);
  if (!cp || !signer) return all;
  const signature = fromBase64(cp.signature);
  const seen = all.find((w) => w.keyId === cp.keyId);
  if (
    !signature ||
    !crypto.verify(signer.publicKey, onlineCheckpointMessage(cp, call.instance, call.seq), signature) ||
    (seen && cp.echo?.events !== seen.events)
  )
    refuse('untrusted', "License Central's answer carries a checkpoint of its log that does not verify: it was changed, or taken from another answer.");
  if (seen && cp.echo!.head === null)
    refuse(
      'authority-rolled-back',
      `License Central has gone back: its log has ${cp.events} events, and this device saw ${seen.events} (${formatInstant(seen.at)}). It was restored from an older backup, or this is a copy of its ledger; its answer was not taken.`,
      ONLINE_HINT,
    );
  if (seen && cp.echo!.head !== seen.head)
    refuse(
      'authority-forked',
      `License Central's log is not the one this device saw: its event ${seen.events} is another (${cp.echo!.head!.slice(0, 12)}… now, ${seen.head.slice(0, 12)}… seen ${formatInstant(seen.at)}). It was restored from an older backup and has logged since, or two copies of its ledger are in use; its answer was not taken.`,
      ONLINE_HINT,
    );
  if (seen && cp.events === seen.events) return all;
  return [...all.filter((w) => w.keyId !== cp.keyId), { keyId: cp.keyId, events: cp.events, head: cp.head, at: now }].slice(-MAX_WITNESSES);
}
