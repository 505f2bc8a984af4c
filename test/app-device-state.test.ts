/**
 * The bridge's backup, restore and recovery (electron/app/device-state.ts) against bad input, through
 * `dispatch` as the main process serves it: every refusal is data with a code, nothing changes on disk, and
 * no path crosses the bridge (only file names come back).
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAppApi, dispatch } from '../electron/app/api.ts';
import { makeAuthorityKey } from './helpers/world.ts';
import { formatKeyFile } from '../shared/codes/key-file.ts';

function setUp() {
  const root = mkdtempSync(join(tmpdir(), 'slr-app-state-'));
  const dir = join(root, 'device');
  const usb = join(root, 'usb');
  mkdirSync(usb);
  const opens: (string | null)[] = [];
  let now = Date.UTC(2026, 3, 1);
  const api = createAppApi({
    dir,
    now: () => (now += 1000),
    clipboard: { writeText: () => undefined },
    dialogs: { open: async () => opens.shift() ?? null, save: async ({ defaultName }) => (opens.length ? opens.shift()! : join(usb, defaultName)) },
  });
  const call = (method: string, ...args: unknown[]) => dispatch(api, method, args);
  const stateFile = join(dir, 'product-instance.json');
  return { dir, usb, opens, call, stateFile };
}

const refused = (reply: { ok: boolean; error?: { code: string } }) => (reply.ok ? 'ok' : reply.error!.code);

describe('backup, restore and recovery over the bridge', () => {
  it('backs up to the file chosen, returns its name only, and a cancelled dialog does nothing', async () => {
    const { usb, opens, call } = setUp();
    expect(refused(await call('instanceInit', 'UCM'))).toBe('ok');
    const saved = await call('instanceBackup');
    expect(saved.ok && saved.value).toEqual({ file: expect.stringMatching(/^product-instance-backup-\d{8}T\d{6}Z\.json$/) });
    expect(readdirSync(usb)).toHaveLength(1);
    opens.push(null);
    expect(await call('instanceRestore', { replace: true })).toEqual({ ok: true, value: null });
    // Arguments outside the contract: refused before anything runs.
    expect(refused(await call('instanceBackup', 'x'))).toBe('bad-call');
    expect(refused(await call('instanceRestore', { replace: 'yes' }))).toBe('bad-call');
    expect(refused(await call('instanceRestore', { replace: true, path: '/etc/passwd' }))).toBe('bad-call');
  });

  it('refuses to restore over a sound state unless told, and refuses files that are not backups, changing nothing', async () => {
    const { usb, opens, call, stateFile } = setUp();
    await call('instanceInit', 'UCM');
    const saved = await call('instanceBackup');
    const backup = join(usb, (saved as { value: { file: string } }).value.file);
    const before = readFileSync(stateFile, 'utf8');
    opens.push(backup);
    expect(refused(await call('instanceRestore', { replace: false }))).toBe('instance-exists');
    const junk = join(usb, 'junk.json');
    for (const [text, code] of [
      ['', 'state-corrupt'],
      ['{"not": "a state"}', 'state-corrupt'],
      ['\ufeff[1,2]', 'state-corrupt'],
      [readFileSync(backup, 'utf8').replace('"reservationEnabled": false', '"reservationEnabled": true'), 'state-tampered'],
    ] as const) {
      writeFileSync(junk, text);
      opens.push(junk);
      expect(refused(await call('instanceRestore', { replace: true })), text.slice(0, 30)).toBe(code);
    }
    opens.push(join(usb, 'missing.json'));
    expect(refused(await call('instanceRestore', { replace: true }))).not.toBe('ok');
    opens.push(usb);
    expect(refused(await call('instanceRestore', { replace: true }))).not.toBe('ok');
    expect(readFileSync(stateFile, 'utf8')).toBe(before);
  });

  it('recovers only a state that fails its seal, with well-formed key files, at most 16', async () => {
    const { usb, opens, call, stateFile } = setUp();
    await call('instanceInit', 'UCM');
    expect(refused(await call('instanceRecover', []))).toBe('not-allowed');
    const record = JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(stateFile, JSON.stringify({ ...record, reservationEnabled: true }));
    expect(refused(await call('instanceView'))).toBe('state-tampered');
    const key = makeAuthorityKey();
    const file = { label: 'lc.pem', text: formatKeyFile([{ publicKey: key.publicKey, endorsement: null }], `License Central ${key.id}`) };
    expect(
      refused(
        await call(
          'instanceRecover',
          Array.from({ length: 17 }, () => file),
        ),
      ),
    ).toBe('bad-call');
    expect(refused(await call('instanceRecover', [{ label: 'lc.pem', text: 'x'.repeat(20_000) }]))).toBe('bad-call');
    expect(refused(await call('instanceRecover', [{ label: 'lc.pem', text: 'not a key' }]))).not.toBe('ok');
    expect(refused(await call('instanceView'))).toBe('state-tampered');
    // A key file opened through the dialog: bounded, and its name, not its path, comes back.
    const big = join(usb, 'big.pem');
    writeFileSync(big, 'x'.repeat(20_000));
    opens.push(big);
    expect(refused(await call('fileOpenKey'))).not.toBe('ok');
    const pem = join(usb, 'lc.pem');
    writeFileSync(pem, file.text);
    opens.push(pem);
    expect(await call('fileOpenKey')).toEqual({ ok: true, value: { name: 'lc.pem', text: file.text } });
    const r = await call('instanceRecover', [file]);
    expect(r).toEqual({ ok: true, value: { problem: expect.any(String), trustedKeys: [key.id], reservationKept: false } });
    expect(refused(await call('instanceView'))).toBe('ok');
  });

  it('refuses bad SIP trunk and cluster actions over the bridge as data, changing nothing', async () => {
    const { call, stateFile } = setUp();
    expect(refused(await call('instanceInit', 'CUC'))).toBe('ok');
    const before = readFileSync(stateFile, 'utf8');
    expect(refused(await call('instanceSipTrunk', { op: 'add', name: 'T1', secure: false }))).toBe('not-allowed');
    expect(refused(await call('instanceSipTrunk', { op: 'add', name: '', secure: false }))).toBe('bad-call');
    expect(refused(await call('instanceSipTrunk', { op: 'drop', name: 'T1' }))).toBe('bad-call');
    for (const publisher of ['ftp://pub.example:9000', 'not a url at all', 'file:///etc/passwd'])
      expect(refused(await call('instanceCluster', { op: 'join', publisher, code: 'SLRJ1-sub-1-' + '0'.repeat(32) + '-' + '0'.repeat(16) })), publisher).toBe(
        'bad-request',
      );
    expect(refused(await call('instanceCluster', { op: 'join', publisher: 'http://127.0.0.1:9', code: 'nonsense' }))).toBe('code-malformed');
    expect(refused(await call('instanceCluster', { op: 'add-node', name: 'Bad Name' }))).toBe('bad-name');
    expect(refused(await call('instanceCluster', { op: 'remove-node', name: 'sub-1' }))).toBe('not-allowed');
    expect(refused(await call('instanceCluster', { op: 'leave', force: true }))).toBe('not-allowed');
    expect(readFileSync(stateFile, 'utf8')).toBe(before);
    const made = await call('instanceCluster', { op: 'add-node', name: 'sub-1' });
    expect(made.ok && made.value).toEqual({
      message: expect.stringMatching(/^Join code made for node "sub-1"/),
      joinCode: expect.stringMatching(/^SLRJ1-sub-1-/),
    });
    expect(refused(await call('instanceCluster', { op: 'add-node', name: 'sub-1' }))).toBe('ok');
    expect(refused(await call('instanceCluster', { op: 'remove-node', name: 'sub-1' }))).toBe('ok');
    const view = await call('instanceView');
    expect(view.ok && (view.value as { cluster: unknown }).cluster).toBeNull();
  });
});
