/**
 * The server's TLS certificate. Given one (--tls-cert, --tls-key) it is used as it is; otherwise a
 * self-signed one is made at the first start and kept in the server's home (key 0600). node-forge makes it:
 * node:crypto makes keys but cannot issue an X.509 certificate. Clients pin its SHA-256 fingerprint.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import forge from 'node-forge';
import { writeWhole } from '../platform/files.ts';
import { CERT_FILE, fingerprintOf } from '../platform/fingerprint.ts';

export { CERT_FILE, fingerprintOf };

export const KEY_FILE = 'server-key.pem';

export interface ServerTls {
  readonly cert: string;
  readonly key: string;
  /** SHA-256 of the certificate (DER), as colon-separated upper-case hex pairs (as openssl prints it). */
  readonly fingerprint: string;
  /** True when the certificate was made just now. */
  readonly made: boolean;
}

/** A self-signed certificate for `hosts` (names and addresses), valid from `now` for `days`. */
export function selfSignedCertificate(hosts: readonly string[], now: number, days = 825): { cert: string; key: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = `01${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;
  cert.validity.notBefore = new Date(now - 60_000);
  cert.validity.notAfter = new Date(now + days * 86_400_000);
  const name = [
    { name: 'commonName', value: 'SLR Desk License Central' },
    { name: 'organizationName', value: 'SLR Desk' },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [...new Set(hosts)].map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h })) },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key };
}

/**
 * The certificate the server presents: the files given, or the one kept in `home` (made on first start for
 * `host`, localhost and the loopback addresses).
 */
export function serverTls(home: string, host: string, now: number, given?: { cert: string; key: string }): ServerTls {
  if (given) {
    const cert = readFileSync(given.cert, 'utf8');
    const key = readFileSync(given.key, 'utf8');
    return { cert, key, fingerprint: fingerprintOf(cert), made: false };
  }
  const certPath = join(home, CERT_FILE);
  const keyPath = join(home, KEY_FILE);
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cert = readFileSync(certPath, 'utf8');
    return { cert, key: readFileSync(keyPath, 'utf8'), fingerprint: fingerprintOf(cert), made: false };
  }
  const named = host === '0.0.0.0' || host === '::' ? [] : [host];
  const made = selfSignedCertificate([...named, 'localhost', '127.0.0.1', '::1'], now);
  writeWhole(keyPath, made.key, 0o600);
  writeWhole(certPath, made.cert, 0o600);
  return { ...made, fingerprint: fingerprintOf(made.cert), made: true };
}
