/** Certificate fingerprints of certificates (the text rule is shared/fingerprint-text.ts). */
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { refuse } from '../../shared/errors.ts';
import { formatFingerprint, normaliseFingerprint } from '../../shared/fingerprint-text.ts';

/** The server's certificate in its home (made at its first start by `slr authority serve`). */
export const CERT_FILE = 'server-cert.pem';

export { formatFingerprint, normaliseFingerprint };

export function fingerprintOf(certPem: string): string {
  let der: Buffer;
  try {
    der = new X509Certificate(certPem).raw;
  } catch {
    refuse('file', 'The TLS certificate is not a PEM X.509 certificate.');
  }
  return formatFingerprint(createHash('sha256').update(der).digest('hex'));
}

/** The fingerprint of the certificate of the server run from `home`: what a token made there carries. */
export function homeServerFingerprint(home: string): string {
  const cert = join(home, CERT_FILE);
  if (!existsSync(cert))
    refuse(
      'bad-request',
      `No server certificate in ${home}: a token carries the fingerprint of the server's certificate.`,
      'Start the server once (slr authority serve), or give its fingerprint.',
    );
  return fingerprintOf(readFileSync(cert, 'utf8'));
}
