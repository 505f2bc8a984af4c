/**
 * Creating License Central from the app, over the bridge as the main process serves it (issue 25, items 7 and
 * 14): a passphrase given at creation encrypts the keys from the first write (a weak one is refused before
 * anything is made); keys made without one are encrypted later; a token made on the app's own ledger takes the
 * server's fingerprint from a field, checked, and refuses without one when no server has run here. Every
 * refusal is data with a code, and its words name no CLI flag the app does not have.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAppApi, dispatch } from '../electron/app/api.ts';
import { slr } from './helpers/cli.ts';
import { parseToken } from '../shared/registration/token.ts';

const T = Date.UTC(2026, 5, 1);
const GOOD = 'four words for keys';

function setUp() {
  const dir = join(mkdtempSync(join(tmpdir(), 'slr-app-lc-')), 'lc');
  let now = T;
  const api = createAppApi({
    dir,
    now: () => (now += 1000),
    clipboard: { writeText: () => undefined },
    dialogs: { open: async () => null, save: async () => null },
  });
  const call = async (method: string, ...args: unknown[]) => dispatch(api, method, args);
  const view = async () => ((await call('authorityView')) as { value: Record<string, unknown> }).value;
  return { dir, call, view };
}
const outcome = (reply: { ok: boolean; error?: { code: string } }) => (reply.ok ? 'ok' : reply.error!.code);

describe('License Central set up from the app', () => {
  it('refuses a weak passphrase before anything is made, and encrypts the keys from the start with a good one', async () => {
    const { dir, call, view } = setUp();
    expect(outcome(await call('authorityInit', 'Acme', 'short one'))).toBe('weak-passphrase');
    expect(await view()).toEqual({ initialized: false, dir });
    expect(existsSync(join(dir, 'authority.sqlite'))).toBe(false);
    expect(outcome(await call('authorityInit', 'Acme', ''))).toBe('bad-call');

    expect(outcome(await call('authorityInit', 'Acme', GOOD))).toBe('ok');
    expect(await view()).toMatchObject({ initialized: true, keyProtection: 'passphrase', keysUnlocked: true });
    // The CLI without the passphrase cannot sign; with it, it can.
    // The CLI reads the public key without the passphrase, but cannot sign (a new key is endorsed by the old).
    expect(slr(dir, ['authority', 'key', 'export'], T + 60_000).status).toBe(0);
    const sign = slr(dir, ['authority', 'key', 'add'], T + 120_000);
    expect(sign.status).not.toBe(0);
    expect(sign.stderr).toMatch(/passphrase/);
  });

  it('encrypts keys made without a passphrase, and again under a new one, the app keeping the latest', async () => {
    const { call, view } = setUp();
    expect(outcome(await call('authorityInit', 'Acme'))).toBe('ok');
    expect(await view()).toMatchObject({ keyProtection: 'plaintext' });
    expect(outcome(await call('authorityProtectKeys', 'too short'))).toBe('weak-passphrase');
    expect(await view()).toMatchObject({ keyProtection: 'plaintext' });
    expect(outcome(await call('authorityProtectKeys', GOOD))).toBe('ok');
    expect(await view()).toMatchObject({ keyProtection: 'passphrase', keysUnlocked: true });
    expect(outcome(await call('authorityProtectKeys', `${GOOD} again`))).toBe('ok');
    // The app holds the new one: it signs (a new key is made and endorsed) without asking.
    expect(outcome(await call('authorityKeyAdd'))).toBe('ok');
    expect(outcome(await call('authorityUnlockKeys', GOOD))).toBe('wrong-passphrase');
  });

  it('makes a token on its own ledger with the fingerprint given, checked, and says what is missing without it', async () => {
    const { call } = setUp();
    await call('authorityInit', 'Acme');
    const input = { account: 'Default', expiresDays: 30, exportControlled: false };
    const noServer = await call('authorityTokenCreate', input);
    expect(outcome(noServer)).toBe('bad-request');
    const notHttps = await call('authorityTokenCreate', { ...input, server: 'http://lc:8443' });
    expect(outcome(notHttps)).toBe('bad-request');
    const noCert = (await call('authorityTokenCreate', { ...input, server: 'https://lc.example.net:8443' })) as {
      ok: false;
      error: { message: string; hint?: string };
    };
    expect(noCert.error.message).toMatch(/No License Central server has run from this data directory/);
    expect(`${noCert.error.message} ${noCert.error.hint}`).not.toMatch(/slr |--/);
    const short = (await call('authorityTokenCreate', { ...input, server: 'https://lc.example.net:8443', fingerprint: 'AB:CD' })) as {
      ok: false;
      error: { message: string };
    };
    expect(short.error.message).toMatch(/64 hexadecimal digits/);
    const made = (await call('authorityTokenCreate', { ...input, server: 'https://lc.example.net:8443', fingerprint: `sha256:${'ab'.repeat(32)}` })) as {
      ok: true;
      value: { token: string };
    };
    expect(made.ok).toBe(true);
    const payload = parseToken(made.value.token).payload;
    expect([payload.server, payload.fingerprint]).toEqual(['https://lc.example.net:8443', 'AB:'.repeat(31) + 'AB']);
  });
});
