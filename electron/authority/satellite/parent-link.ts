/**
 * A connected satellite's link to its parent: the parent's server at the address its enrolment file gave,
 * trusted by the certificate fingerprint that file carried (signed by the parent), and nothing else.
 */
import { isSlrError, refuse, SlrError } from '../../../shared/errors.ts';
import { syncEnvelopeSchema, type SyncEnvelope } from '../../../shared/authority/sync-file.ts';
import { callApi, fetchCertificate } from '../../net/server-client.ts';
import type { ParentLink } from './connected.ts';
import type { SatelliteRole } from './role.ts';

/** The parent not reached: said for a satellite (the client's own hint is about a person's retries). */
function unreachable(e: unknown): never {
  if (isSlrError(e) && e.code === 'server-unreachable')
    throw new SlrError(
      e.code,
      e.message,
      "Check that the parent's server runs at that address. Meanwhile this satellite serves its devices from what it holds and tries again by itself; a file the parent took whose answer was lost is recognised as taken.",
    );
  throw e;
}

export function httpsParentLink(role: Pick<SatelliteRole, 'url' | 'fingerprint' | 'smartAccount'>, timeoutMs = 60_000): ParentLink {
  const { url, fingerprint } = role;
  if (!url || !fingerprint)
    refuse(
      'not-allowed',
      `The enrolment named no server of the parent "${role.smartAccount}" to reach.`,
      'Ask the parent to add this satellite in connected mode.',
    );
  let target: Promise<{ server: string; fingerprint: string; certificate: string }> | null = null;
  const pinned = async () => {
    const presented = await fetchCertificate(url, Math.min(timeoutMs, 10_000));
    if (presented.fingerprint !== fingerprint)
      refuse(
        'server-untrusted',
        `${url} presents a certificate with the fingerprint ${presented.fingerprint}, not the parent's (${fingerprint}, from the enrolment file): nothing was sent to it.`,
        'If the parent has a new certificate, ask it to enrol this satellite again (satellite add --replace).',
      );
    return { server: url, fingerprint, certificate: presented.certificate };
  };
  return {
    async send(operation, file: SyncEnvelope): Promise<SyncEnvelope> {
      target ??= pinned().catch((e: unknown) => {
        target = null;
        throw e;
      });
      // Not sent again by the client: a file that arrived but whose answer was lost is refused as replayed.
      const value = (await target.then((t) => callApi(t, operation, { file }, { retries: 0, timeoutMs })).catch(unreachable)) as { file?: unknown };
      const answer = syncEnvelopeSchema.safeParse(value?.file);
      if (!answer.success)
        refuse('server-error', `The parent at ${url} answered ${operation} without an answer file.`, 'Check that the address is the parent’s server.');
      return answer.data;
    },
  };
}
