// The files SLR Desk writes have the modes README's "Where state lives" states: the state directory 0700, the
// product instance's state, License Central's ledger and the server's certificate and key 0600 (issue 29).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { slr } from './helpers/cli.ts';
import { serverTls, CERT_FILE } from '../electron/server/tls.ts';

const T = Date.UTC(2026, 6, 1);
const mode = (path: string) => statSync(path).mode & 0o777;

describe('file modes', () => {
  it('writes the state directory 0700 and the product instance, the ledger, the certificate and its key 0600', () => {
    const home = join(mkdtempSync(join(tmpdir(), 'slr-modes-')), 'home');
    expect(slr(home, ['init', '--pid', 'UCM'], new Date(T).toISOString()).status).toBe(0);
    expect(slr(home, ['authority', 'init', '--account', 'Acme'], new Date(T).toISOString()).status).toBe(0);
    serverTls(home, '127.0.0.1', T);
    expect(mode(home)).toBe(0o700);
    for (const file of ['product-instance.json', 'authority.sqlite', CERT_FILE, 'server-key.pem']) expect(mode(join(home, file)), file).toBe(0o600);
  });
});
