/**
 * What the system model (test/system-adversary.test.ts) expects License Central to see in a device's code,
 * from what the model knows and the ledger does not: the state the device was really in when it made the code.
 *
 * - `rolled-back` is due when the device ran, for the code's reservation, an authorization code older than
 *   one whose confirmation License Central had already accepted (its state was put back since).
 * - `foreign-key` is due when the device trusted a key that is not License Central's.
 * - `foreign-code` is due when the device ran a code signed by another key (a confirmation or return code);
 *   then `rolled-back` is not (the code it ran is none of License Central's, older or newer).
 * - A device nobody tampered with is never flagged (no false alarm).
 *
 * The digest is short by design: 15 bits of key ids, so a foreign set may hash like one of License
 * Central's sets (1 in 16,384 with one key). Such a code is not counted as a miss: README says so.
 */
import { anchorsAreOwn, anchorsHash } from '../../shared/codes/state-digest.ts';
import type { DeviceFinding } from '../../shared/authority/views.ts';
import type { InstanceState } from '../../shared/instance/state.ts';
import { cryptoBasics } from '../../electron/platform/crypto.ts';

/** The state of the device that made a code, as the model saw it. */
export interface MadeIn {
  readonly device: number;
  readonly kind: 'request' | 'confirmation' | 'return';
  /** Someone edited or put back the device's state at any time before (sticky). */
  readonly tampered: boolean;
  readonly piid: string | null;
  /** The timestamp of the authorization code of `piid` the device ran (0: none). */
  readonly ran: number;
  readonly keyIds: readonly string[];
  /** The key that signed the code the device ran. */
  readonly ranSignedBy: string | null;
}

export function madeIn(state: InstanceState, device: number, kind: MadeIn['kind'], tampered: boolean): MadeIn {
  return {
    device,
    kind,
    tampered,
    piid: state.reservation?.piid ?? null,
    ran: Number(state.reservation?.lastTimestamp ?? '0'),
    keyIds: state.trustedKeys.map((k) => k.id),
    ranSignedBy: state.installed?.signerKeyId ?? null,
  };
}

const MESSAGES: Record<DeviceFinding, RegExp> = {
  'rolled-back': /state was put back/,
  'foreign-key': /trusts a key that is not one of this License Central's/,
  'foreign-code': /ran an authorization code this License Central never issued/,
};

/** The findings a list of warnings names. */
export function findingsIn(warnings: readonly string[]): Set<DeviceFinding> {
  const out = new Set<DeviceFinding>();
  for (const w of warnings) for (const [kind, re] of Object.entries(MESSAGES)) if (re.test(w)) out.add(kind as DeviceFinding);
  return out;
}

/**
 * What is wrong with License Central's answer to an accepted code made in `made`, given the newest code of
 * each reservation whose confirmation it had accepted before (`confirmed`) and its own key ids.
 */
export function digestProblems(made: MadeIn, warnings: readonly string[], confirmed: ReadonlyMap<string, number>, ownKeyIds: readonly string[]): string[] {
  const seen = findingsIn(warnings);
  const who = `a ${made.kind} code of device ${made.device}`;
  if (!made.tampered) return seen.size ? [`P4: ${who}, never tampered with, was flagged: ${warnings.join(' | ')}`] : [];
  const due: DeviceFinding[] = [];
  const forged = made.ranSignedBy !== null && !ownKeyIds.includes(made.ranSignedBy);
  if (made.kind !== 'request' && forged) due.push('foreign-code');
  else if (made.kind !== 'request' && made.piid && made.ran < (confirmed.get(made.piid) ?? 0)) due.push('rolled-back');
  if (made.keyIds.some((id) => !ownKeyIds.includes(id)) && !anchorsAreOwn(cryptoBasics.sha256, anchorsOf(made.keyIds), ownKeyIds)) due.push('foreign-key');
  return due.filter((kind) => !seen.has(kind)).map((kind) => `P4: ${who} was accepted without the ${kind} finding (answer: ${warnings.join(' | ') || 'none'})`);
}

const anchorsOf = (ids: readonly string[]) => anchorsHash(cryptoBasics.sha256, ids);
