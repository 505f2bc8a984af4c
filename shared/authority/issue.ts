/**
 * The issuing side of the protocol, as library functions: sign an authorization code for a request, and
 * check a device's confirmation and return codes offline. The authority's ledger builds on these.
 */
import type { EntitlementDef } from '../catalog.ts';
import { buildAuthorizationCode, signedBytesFor, type AuthorizationBody, type Entitlement } from '../codes/authorization-code.ts';
import { formatCodeDate } from '../codes/dates.ts';
import { checkpointMessage, withCheckpoint } from '../codes/checkpoint.ts';
import { codeMessage, makeConfirmationCode, makeReturnCode, parseConfirmationCode, parseReturnCode, type StateDigest } from '../codes/device-codes.ts';
import { refuse } from '../errors.ts';
import { toBase64 } from '../bytes.ts';
import type { AuthorityCrypto } from '../ports.ts';
import { formatUdi, type Udi } from '../udi.ts';

export interface Term {
  readonly start: number;
  readonly end: number;
}

/** An entitlement line for a catalog license: PERPETUAL, or TERM between two dates (ms, midnight UTC). */
export function entitlementFor(def: EntitlementDef, count: number, term?: Term): Entitlement {
  return {
    tag: def.tag,
    count,
    startDate: term ? formatCodeDate(term.start) : '',
    endDate: term ? formatCodeDate(term.end) : '',
    licenseType: term ? 'TERM' : 'PERPETUAL',
    displayName: def.displayName,
    tagDescription: def.description,
    subscriptionID: '',
  };
}

export interface Issue {
  readonly udi: Udi;
  readonly piid: string;
  /** ms since the epoch; strictly increasing per product instance. */
  readonly timestamp: number;
  readonly entitlements: readonly Entitlement[];
  readonly keyId: string;
  /** License Central's log when the code is signed: its checkpoint follows the code (checkpoint.ts). */
  readonly log?: { readonly events: number; readonly head: string; readonly known: readonly string[]; readonly confirmed: number };
}

export function issueAuthorizationCode(issue: Issue, crypto: AuthorityCrypto): string {
  const body: AuthorizationBody = { flag: 'A', version: 'C', piid: issue.piid, timestamp: String(issue.timestamp), entitlements: issue.entitlements };
  const signature = crypto.sign(issue.keyId, signedBytesFor(body, issue.udi));
  const code = buildAuthorizationCode(body, issue.udi, toBase64(signature));
  if (!issue.log) return code;
  const position = { keyId: issue.keyId, ...issue.log };
  return withCheckpoint(code, { ...position, signature: crypto.sign(issue.keyId, checkpointMessage(position, issue.piid, body.timestamp)) });
}

/** Which authorization code a confirmation or return code answers, and the keys that make its MAC. */
export interface CodeRef {
  readonly udi: Udi;
  readonly devicePublicKey: Uint8Array;
  readonly piid: string;
  readonly timestamp: number;
  readonly keyId: string;
}

/** The confirmation code the device makes for `ref` in the state `digest` says (null: a v1 code, without digest). */
export function expectedConfirmationCode(ref: CodeRef, crypto: AuthorityCrypto, digest: StateDigest | null): string {
  return makeConfirmationCode(crypto.mac(ref.keyId, ref.devicePublicKey, codeMessage('confirm', ref.piid, String(ref.timestamp), ref.udi, digest)), digest);
}

export function expectedReturnCode(ref: CodeRef, crypto: AuthorityCrypto, digest: StateDigest | null): string {
  return makeReturnCode(ref.udi, crypto.mac(ref.keyId, ref.devicePublicKey, codeMessage('return', ref.piid, String(ref.timestamp), ref.udi, digest)), digest);
}

/** The code a device's code answers, and the state digest it carries (under its MAC; null for an earlier version's code). */
export type Answered<R extends CodeRef> = { readonly ref: R; readonly digest: StateDigest | null };

/**
 * Checks a confirmation code (typos first) against the codes it may answer, newest first; returns the one
 * it confirms, or refuses. `candidates` are the authorization codes issued to this instance.
 */
export function verifyConfirmationCode<R extends CodeRef>(input: string, candidates: readonly R[], crypto: AuthorityCrypto): Answered<R> {
  const { canonical, digest } = parseConfirmationCode(input);
  const match = candidates.find((ref) => expectedConfirmationCode(ref, crypto, digest) === canonical);
  if (!match) {
    refuse(
      'wrong-code',
      'The confirmation code does not match any authorization code issued to this product instance.',
      'Check that it comes from this device, after installing the latest authorization code.',
    );
  }
  return { ref: match, digest };
}

export function verifyReturnCode<R extends CodeRef>(input: string, candidates: readonly R[], crypto: AuthorityCrypto): Answered<R> {
  const parsed = parseReturnCode(input);
  const sn = candidates[0]?.udi.sn;
  if (sn && parsed.sn !== sn) {
    refuse(
      'wrong-device',
      `The return code comes from the device with serial number ${parsed.sn}, not from this product instance (${sn}).`,
      'Enter it for the product instance it belongs to.',
    );
  }
  const match = candidates.find((ref) => expectedReturnCode(ref, crypto, parsed.digest) === parsed.canonical);
  if (!match) {
    refuse(
      'wrong-code',
      `The return code does not match any authorization code issued to ${candidates[0] ? formatUdi(candidates[0].udi) : 'this product instance'}.`,
      'Generate it again on the device with `license smart reservation return` (or `license smart reservation return-authorization` for a code never installed).',
    );
  }
  return { ref: match, digest: parsed.digest };
}
