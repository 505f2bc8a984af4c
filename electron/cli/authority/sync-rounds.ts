/** What the satellite verbs need for connected mode: the parent's server as enrolment files carry it. */
import { fingerprintProblem, normaliseFingerprint } from '../../../shared/fingerprint-text.ts';
import { UsageError } from '../output.ts';

/** The parent's server for a connected satellite: --server (https), and --fingerprint or this home's own certificate's. */
export async function parentServer(server: string, fingerprint: string | undefined, home: string): Promise<{ url: string; fingerprint: string }> {
  const { checkServerUrl } = await import('../../net/server-client.ts');
  const url = checkServerUrl(server).origin;
  if (fingerprint === undefined) {
    const { homeServerFingerprint } = await import('../../platform/fingerprint.ts');
    return { url, fingerprint: homeServerFingerprint(home) };
  }
  const pinned = normaliseFingerprint(fingerprint);
  if (!pinned) throw new UsageError(`--fingerprint: ${fingerprintProblem(fingerprint) ?? 'give the server certificate’s SHA-256 fingerprint.'}`);
  return { url, fingerprint: pinned };
}
