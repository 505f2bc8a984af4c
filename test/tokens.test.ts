// Smart Licensing online, License Central's side: the registration token's format (what a device will parse
// and verify before it sends anything) and the tokens a virtual account has (create, list, revoke, the
// export-controlled permission), on the ledger, through the server's roles, and through the CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLedger, type Ledger } from '../electron/authority/ledger.ts';
import { keyId, verifyMessage } from '../electron/platform/crypto.ts';
import { formatToken, parseToken, TOKEN_PREFIX, verifyToken, type TokenPayload } from '../shared/registration/token.ts';
import { parseKeyFile } from '../shared/codes/key-file.ts';
import { toBase64, utf8 } from '../shared/bytes.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { slr } from './helpers/cli.ts';
import { refused } from './helpers/refused.ts';
import { refusal } from './helpers/world.ts';

const T = Date.UTC(2026, 6, 1, 8);
const DAY = 86_400_000;
const FINGERPRINT = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(':');

/** The signing keys a device trusting `ledger`'s exported key file would know: id → public key. */
async function trusted(ledger: Ledger): Promise<Map<string, string>> {
  const file = parseKeyFile((await ledger.exportKey()).file);
  return new Map(file.map((k) => [keyId(k.publicKey), k.publicKey]));
}

describe('a registration token, as a device will read it', () => {
  let ledger: Ledger;
  let token: string;
  beforeAll(async () => {
    ledger = await openLedger({ dir: mkdtempSync(join(tmpdir(), 'slr-token-')), actor: 'admin' }, true);
    await ledger.init('Acme', T);
    await ledger.addAccount('Lab', T);
    token = (
      await ledger.createToken({ account: 'Lab', description: 'lab cluster', server: 'https://lc.example:8443', fingerprint: FINGERPRINT.toLowerCase() }, T)
    ).token;
  });
  afterAll(async () => ledger?.close());

  it('carries the server, its fingerprint and what it allows, signed by a key devices trust', async () => {
    expect(token.startsWith(`${TOKEN_PREFIX}.`)).toBe(true);
    const payload = verifyToken(parseToken(token), await trusted(ledger), verifyMessage);
    expect(payload).toMatchObject({ account: 'Lab', server: 'https://lc.example:8443', fingerprint: FINGERPRINT, exportControlled: false, issuedAt: T });
    expect(payload.expiresAt).toBe(T + 30 * DAY);
    // Pasted as people paste it: wrapped across lines, indented, in quotes.
    const wrapped = `"${token.match(/.{1,60}/g)!.join('\n    ')}"`;
    expect(verifyToken(parseToken(wrapped), await trusted(ledger), verifyMessage)).toEqual(payload);
  });

  it('is refused, saying why, when it was altered, is signed by another key, or is not a token', async () => {
    const keys = await trusted(ledger);
    const [prefix, body, signature] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenPayload;
    const reencode = (p: object) => Buffer.from(JSON.stringify(p)).toString('base64url');
    // Another server (an attacker's) or more rights, with the old signature.
    for (const changed of [
      { ...payload, server: 'https://evil.example' },
      { ...payload, exportControlled: true },
      { ...payload, expiresAt: payload.expiresAt + 365 * DAY },
    ]) {
      expect(refusal(() => verifyToken(parseToken(`${prefix}.${reencode(changed)}.${signature}`), keys, verifyMessage)).code).toBe('token-tampered');
    }
    // Signed by a key the device does not trust.
    const stranger = formatToken({ ...payload, keyId: '0123456789abcdef' }, () => new Uint8Array(70));
    expect(refusal(() => verifyToken(parseToken(stranger), keys, verifyMessage)).code).toBe('token-untrusted');
    for (const [text, why] of [
      ['', /empty/],
      ['   \n ', /empty/],
      ['hello', /not a registration token/],
      [`SLRT2.${body}.${signature}`, /not a registration token/],
      [`${prefix}.${body}`, /not a registration token/],
      [`${prefix}.${body}!.${signature}`, /not base64url/],
      [`${prefix}.${toBase64(utf8('not json')).replace(/=/g, '')}.${signature}`, /not readable/],
      [`${prefix}.${reencode({ ...payload, fingerprint: 'AB' })}.${signature}`, /fingerprint/],
      [`${prefix}.${reencode({ ...payload, extra: 1 })}.${signature}`, /Unrecognized key/],
      [`${prefix}.${body}.${signature}${'A'.repeat(5000)}`, /characters/],
    ] as const) {
      const e = refusal(() => parseToken(text));
      expect(e.code, text.slice(0, 40)).toBe('token-malformed');
      expect(e.message).toMatch(why);
    }
  });
});

describe('the tokens of a virtual account', () => {
  it('are made, listed with their state, and revoked, each step in the log', async () => {
    const ledger = await openLedger({ dir: mkdtempSync(join(tmpdir(), 'slr-tokens-')), actor: 'admin' }, true);
    try {
      await ledger.init('Acme', T);
      const server = { server: 'https://lc.example:8443', fingerprint: FINGERPRINT };
      const a = await ledger.createToken({ account: 'Default', expiresDays: 1, maxUses: 3, ...server }, T);
      const b = await ledger.createToken({ account: 'Default', description: 'kept', ...server }, T);
      await ledger.revokeToken(b.id, T + 1000);
      const byId = (x: { id: string }, y: { id: string }) => x.id.localeCompare(y.id);
      expect((await ledger.listTokens(T + 2000)).sort(byId).map((t) => [t.id, t.state, t.maxUses, t.uses])).toEqual(
        [
          [a.id, 'valid', 3, 0],
          [b.id, 'revoked', null, 0],
        ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
      );
      expect(Object.fromEntries((await ledger.listTokens(T + 2 * DAY)).map((t) => [t.id, t.state]))).toEqual({ [a.id]: 'expired', [b.id]: 'revoked' });
      expect((await refused(ledger.revokeToken(b.id, T + 3000))).code).toBe('token-revoked');
      expect((await refused(ledger.revokeToken('0123456789abcdef', T))).code).toBe('no-token');
      for (const bad of [{ expiresDays: 0 }, { expiresDays: 366 }, { maxUses: 0 }, { description: 'x'.repeat(201) }, { description: 'a\u001b[2Jb' }]) {
        expect((await refused(ledger.createToken({ account: 'Default', ...server, ...bad }, T))).code, JSON.stringify(bad)).toMatch(/bad-count|bad-text/);
      }
      expect((await refused(ledger.createToken({ account: 'Default', server: 'http://plain.example', fingerprint: FINGERPRINT }, T))).code).toBe('bad-request');
      expect((await refused(ledger.createToken({ account: 'Nowhere', ...server }, T))).code).toBe('no-account');
      // Export-controlled functionality only where the smart account is permitted it.
      const denied = await refused(ledger.createToken({ account: 'Default', exportControlled: true, ...server }, T));
      expect(denied.code).toBe('export-not-permitted');
      await ledger.setExportControl(true, 'export licence on file', T);
      expect((await ledger.createToken({ account: 'Default', exportControlled: true, ...server }, T)).token).toMatch(/^SLRT1\./);
      const types = (await ledger.events()).map((e) => e.type);
      expect(types.filter((t) => t === 'token-create').length).toBe(3);
      expect(types).toContain('token-revoke');
      expect(types).toContain('export-control');
    } finally {
      await ledger.close();
    }
  });
});

describe('tokens on the server', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('sqlite', T, null);
  });
  afterAll(async () => s?.stop());

  it("follow the roles, and carry the server's own certificate fingerprint", async () => {
    const labAdmin = await s.login('lab-admin');
    const labUser = await s.login('lab-user');
    const made = (await s.call(labAdmin, 'token-create', { account: 'Lab', server: s.url })) as { id: string; token: string };
    const payload = parseToken(made.token).payload;
    expect(payload.fingerprint).toBe(s.fingerprint);
    expect(payload.server).toBe(s.url);
    expect((await refused(s.call(labAdmin, 'token-create', { account: 'Default', server: s.url }))).code).toBe('forbidden');
    expect((await refused(s.call(labUser, 'token-create', { account: 'Lab', server: s.url }))).code).toBe('forbidden');
    expect((await refused(s.call(labAdmin, 'token-create', { account: 'Lab', server: s.url, exportControlled: true }))).code).toBe('export-not-permitted');
    const admin = await s.login('admin');
    await s.call(admin, 'token-create', { account: 'Default', server: s.url });
    // A user of Lab sees Lab's tokens only, and may not revoke them.
    expect(((await s.call(labUser, 'token-list', {})) as { id: string }[]).map((t) => t.id)).toEqual([made.id]);
    expect((await refused(s.call(labUser, 'token-revoke', { id: made.id }))).code).toBe('forbidden');
    await s.call(labAdmin, 'token-revoke', { id: made.id });
    expect(((await s.call(admin, 'token-list', { account: 'Lab' })) as { state: string }[])[0]!.state).toBe('revoked');
  });
});

describe('tokens on the command line', () => {
  it('token create, list and revoke, with the fingerprint of the server this home runs', () => {
    const home = mkdtempSync(join(tmpdir(), 'slr-token-cli-'));
    const a = (...args: string[]) => slr(home, ['authority', ...args], '2026-07-01T08:00:00Z');
    expect(a('init', '--account', 'Acme').status).toBe(0);
    const noServer = a('token', 'create', '--account', 'Default');
    expect(noServer.status).toBe(2);
    expect(noServer.stderr).toMatch(/--server https:\/\/HOST:PORT/);
    const noCert = a('token', 'create', '--account', 'Default', '--server', 'https://lc.example:8443');
    expect(noCert.status).toBe(1);
    expect(noCert.stderr).toMatch(/No server certificate/);
    const made = a(
      'token',
      'create',
      '--account',
      'Default',
      '--server',
      'https://lc.example:8443',
      '--fingerprint',
      FINGERPRINT,
      '--max-uses',
      '2',
      '--description',
      'plant 2',
    );
    expect(made.status, made.stderr).toBe(0);
    const id = parseToken(made.stdout).payload.id;
    expect(made.stderr).toContain(id);
    expect(a('token', 'list').stdout).toMatch(new RegExp(`${id}\\s+Default\\s+plant 2 .* 0 of 2\\s+not allowed\\s+valid`));
    expect(a('token', 'list', '--csv').stdout.split(/\r?\n/)[0]).toBe('Token,Virtual Account,Description,Created,Expires,Uses,Export-Controlled,State');
    expect(a('token', 'revoke', 'nothex').status).toBe(2);
    expect(a('token', 'revoke', id).status).toBe(0);
    expect(a('--json', 'token', 'list').json<{ tokens: { state: string }[] }>().tokens[0]!.state).toBe('revoked');
    const exp = a('token', 'create', '--account', 'Default', '--server', 'https://lc.example:8443', '--fingerprint', FINGERPRINT, '--export-controlled');
    expect(exp.status).toBe(1);
    expect(exp.stderr).toMatch(/not permitted export-controlled functionality/);
    expect(a('export-control', 'allow', '--reason', 'licence on file').status).toBe(0);
    expect(
      a('token', 'create', '--account', 'Default', '--server', 'https://lc.example:8443', '--fingerprint', FINGERPRINT, '--export-controlled').status,
    ).toBe(0);
  });
});
