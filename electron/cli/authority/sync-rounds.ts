/** What the satellite verbs share for connected mode: the parent's server as enrolment files carry it, and a round in words. */
import { formatInstant } from '../../../shared/codes/dates.ts';
import { fingerprintProblem, normaliseFingerprint } from '../../../shared/fingerprint-text.ts';
import type { RoundDone, RoundFailed } from '../../authority/satellite/connected.ts';
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

export function roundText(r: RoundDone | RoundFailed): string {
  if (!r.ok)
    return `Synchronising with the parent failed: ${r.error.message} Devices are served from what this satellite holds; the next attempt is from ${formatInstant(r.nextAt)} (\`slr authority sync now\` tries at once).`;
  return [
    `${r.enrolled ? 'The parent took the enrolment. ' : ''}Synchronised: file ${r.up} sent (${r.events} events), answer ${r.down} applied${r.changed.length ? `: ${r.changed.join('; ')}` : ': nothing to change'}.`,
    `Next round from ${formatInstant(r.nextAt)}.`,
  ].join(' ');
}

export function roundJson(r: RoundDone | RoundFailed): object {
  return r.ok ? r : { ok: false, error: { code: r.error.code, message: r.error.message, hint: r.error.hint }, failures: r.failures, nextAt: r.nextAt };
}
