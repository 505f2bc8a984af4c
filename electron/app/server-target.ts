/**
 * Where others reach this License Central's server, as the app is told it: the URL given, with the fingerprint
 * given or, when none is, that of the certificate of the server run from this data directory. Devices take it
 * in a token; connected satellites in their enrolment file.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { refuse } from '../../shared/errors.ts';
import { fingerprintProblem } from '../../shared/fingerprint-text.ts';
import { CERT_FILE, homeServerFingerprint, normaliseFingerprint } from '../platform/fingerprint.ts';

/** `who`: who reaches the server, for the refusals ("devices", "a connected satellite"). */
export function serverTarget(dir: string, server: string | undefined, fingerprint: string | undefined, who: string): { server: string; fingerprint: string } {
  if (!server?.trim() || !/^https:\/\/[^/\s]+/i.test(server.trim()))
    refuse('bad-request', `Give the address of the License Central server ${who} reach${who.startsWith('a ') ? 'es' : ''} as https://HOST:PORT.`);
  if (!fingerprint?.trim()) {
    if (!existsSync(join(dir, CERT_FILE)))
      refuse(
        'bad-request',
        "No License Central server has run from this data directory yet, so its certificate's fingerprint is not known here.",
        `Give the fingerprint (SHA-256) of the certificate of the server ${who} reach${who.startsWith('a ') ? 'es' : ''}, as its administrator reads it to you.`,
      );
    return { server: server.trim().replace(/\/+$/, ''), fingerprint: homeServerFingerprint(dir) };
  }
  const canonical = normaliseFingerprint(fingerprint);
  if (!canonical) refuse('bad-request', fingerprintProblem(fingerprint) ?? 'The fingerprint is not a SHA-256 fingerprint.');
  return { server: server.trim().replace(/\/+$/, ''), fingerprint: canonical };
}
