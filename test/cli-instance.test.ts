import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRequestCode } from '../shared/codes/device-codes.ts';
import { verifyConfirmationCode, verifyReturnCode } from '../shared/authority/issue.ts';
import { issue, lines, makeAuthorityKey, T0 } from './helpers/world.ts';
import { slr } from './helpers/cli.ts';

const home = () => mkdtempSync(join(tmpdir(), 'slr-cli-'));

describe('slr (product instance)', () => {
  it('prints help and exits 0; an unknown command exits 2', () => {
    const h = home();
    const help = slr(h, ['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('slr license smart reservation install-file <path>');
    const bad = slr(h, ['frobnicate']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('Unknown command: slr frobnicate.');
  });

  it('runs a whole exchange with files, and the state file is private', () => {
    const h = home();
    const key = makeAuthorityKey();
    const keyFile = join(h, 'authority.pem');
    writeFileSync(keyFile, key.publicKey);

    const init = slr(h, ['--json', 'init', '--pid', 'UCM']);
    expect(init.status).toBe(0);
    const udi = init.json<{ udi: string }>().udi;
    expect(udi).toMatch(/^P:UCM,S:[0-9a-f]{5},U:[0-9a-f-]{36}$/);
    expect(statSync(join(h, 'product-instance.json')).mode & 0o777).toBe(0o600);
    expect(slr(h, ['show', 'license', 'udi']).stdout.trim()).toBe(udi);
    expect(slr(h, ['license', 'trust', 'add', keyFile]).status).toBe(0);
    expect(slr(h, ['license', 'smart', 'reservation', 'enable']).stdout).toContain('License reservation mode is enabled successfully.');

    const req = slr(h, ['--json', 'license', 'smart', 'reservation', 'request']);
    expect(req.status).toBe(0);
    const requestCode = req.json<{ issued: { code: string } }>().issued.code;
    const request = parseRequestCode(requestCode);
    expect(slr(h, ['show', 'license', 'status']).stdout).toContain('Registration Status: Reservation In Progress');

    const first = issue(key, request, lines('UCM', { UCM_Basic: 5, UCM_Export_Key: 1 }), { timestamp: T0 + 60_000 });
    const codeFile = join(h, 'cc920-authorization.txt');
    writeFileSync(codeFile, first.code.replace(/(.{76})/g, '$1\r\n'));
    const inst = slr(h, ['license', 'smart', 'reservation', 'install-file', codeFile], T0 + 120_000);
    expect(inst.status).toBe(0);
    expect(inst.stdout).toContain('Authorization code installed successfully.');

    expect(slr(h, ['license', 'usage', 'UCM_Basic', '4'], T0 + 180_000).status).toBe(0);
    const st = slr(h, ['--json', 'show', 'license', 'status'], T0 + 240_000).json<Record<string, unknown>>();
    expect(st).toMatchObject({
      registration: 'Registered - Specific License Reservation',
      authorization: 'Authorized - Reserved',
      exportControlled: { allowed: true },
    });

    const update = issue(key, request, lines('UCM', { UCM_Basic: 2 }), { piid: first.piid, timestamp: T0 + 300_000 });
    const up = slr(h, ['--json', 'license', 'smart', 'reservation', 'install', update.code], T0 + 360_000);
    expect(up.status).toBe(0);
    const confirmation = up.json<{ issued: { kind: string; code: string } }>().issued;
    expect(confirmation.kind).toBe('confirmation');
    const ref = { udi: request.udi, devicePublicKey: request.devicePublicKey, piid: first.piid, timestamp: T0 + 300_000, keyId: key.id };
    expect(verifyConfirmationCode(confirmation.code, [ref], key.crypto).ref.timestamp).toBe(T0 + 300_000);
    expect(slr(h, ['show', 'license', 'summary'], T0 + 400_000).stdout).toMatch(/Authorization Status: Not Authorized - Reserved[\s\S]*UCM_Basic\s+4\s+2/);

    const ret = slr(h, ['--json', 'license', 'smart', 'reservation', 'return'], T0 + 420_000);
    const returnCode = ret.json<{ issued: { code: string } }>().issued.code;
    expect(verifyReturnCode(returnCode, [ref], key.crypto).ref.piid).toBe(first.piid);
    // The operator lost the return code: it is shown again.
    expect(slr(h, ['show', 'license', 'reservation'], T0 + 480_000).stdout).toContain(`Last return code: ${returnCode}`);
    const events = slr(h, ['show', 'license', 'events', '--csv'], T0 + 480_000).stdout;
    expect(events.split(/\r?\n/)[0]).toBe('time,at,type,message,hash');
    expect(events).toContain(',return,');
  });

  it("accepts Unity Connection's `request specific`", () => {
    const h = home();
    slr(h, ['init', '--pid', 'CUC']);
    slr(h, ['license', 'smart', 'reservation', 'enable']);
    const r = slr(h, ['license', 'smart', 'reservation', 'request', 'specific']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/[0-9A-Z]{5}(-[0-9A-Z]{5}){16}/);
    expect(slr(h, ['license', 'smart', 'reservation', 'request', 'general']).status).toBe(2);
  });

  it('refuses with one paragraph on stderr and exit 1, changing nothing', () => {
    const h = home();
    slr(h, ['init', '--pid', 'CUC']);
    const before = readFileSync(join(h, 'product-instance.json'), 'utf8');
    const r = slr(h, ['license', 'smart', 'reservation', 'install', '<specificPLR>'], T0 + 120_000);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Cannot run `license smart reservation install`: License reservation is not enabled.');
    expect(r.stderr).toContain('license smart reservation enable');
    const j = slr(h, ['--json', 'license', 'smart', 'reservation', 'return'], T0 + 150_000);
    expect(j.status).toBe(1);
    expect(j.json()).toMatchObject({ ok: false, error: { code: 'not-allowed' } });
    // Nothing changed but the clock reading, which every run records (time never goes back, even on
    // refusals), to the minute: the second refusal, 30 s later, wrote nothing. (The seal covers the clock too.)
    const withoutClock = (text: string) => ({ ...JSON.parse(text), clock: null, seal: null });
    const after = readFileSync(join(h, 'product-instance.json'), 'utf8');
    expect(withoutClock(after)).toEqual(withoutClock(before));
    expect(JSON.parse(after).clock.highWater).toBe(T0 + 120_000);
    expect(slr(h, ['license', 'usage', 'CUC_Nothing', '3']).status).toBe(1);
    expect(slr(h, ['license', 'usage', 'CUC_BasicMessaging', 'many']).status).toBe(2);
    expect(slr(h, ['show', 'license', 'status']).stdout).toContain('Evaluation Period: not started');
  });

  it('refuses a state file that was edited to raise counts, or damaged', () => {
    const h = home();
    const key = makeAuthorityKey();
    writeFileSync(join(h, 'a.pem'), key.publicKey);
    slr(h, ['init', '--pid', 'UCM']);
    slr(h, ['license', 'trust', 'add', join(h, 'a.pem')]);
    slr(h, ['license', 'smart', 'reservation', 'enable']);
    const request = parseRequestCode(slr(h, ['--json', 'license', 'smart', 'reservation', 'request']).json<{ issued: { code: string } }>().issued.code);
    slr(h, ['license', 'smart', 'reservation', 'install', issue(key, request, lines('UCM', { UCM_Basic: 5 }), { timestamp: T0 + 10 }).code], T0 + 20);
    const file = join(h, 'product-instance.json');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('<count>5</count>', '<count>500</count>'));
    const r = slr(h, ['show', 'license', 'status']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('was changed outside SLR Desk: its content does not match its seal');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(good), usage: { x: -1 } }));
    expect(slr(h, ['show', 'license', 'status']).stderr).toContain('The state file is damaged: usage.x');
    writeFileSync(file, '{ not json');
    expect(slr(h, ['show', 'license', 'status']).status).toBe(1);
    writeFileSync(file, JSON.stringify({ ...JSON.parse(good), schemaVersion: 7 }));
    expect(slr(h, ['show', 'license', 'status']).stderr).toContain('newer SLR Desk (schema 7)');
    writeFileSync(file, good);
    expect(slr(h, ['show', 'license', 'status']).status).toBe(0);
  });

  it('refuses oversized, empty and binary code files', () => {
    const h = home();
    slr(h, ['init', '--pid', 'UCM']);
    slr(h, ['license', 'smart', 'reservation', 'enable']);
    slr(h, ['license', 'smart', 'reservation', 'request']);
    writeFileSync(join(h, 'big.txt'), 'x'.repeat(1_100_000));
    writeFileSync(join(h, 'empty.txt'), '');
    writeFileSync(join(h, 'bin.txt'), Buffer.from([0xff, 0x00, 0xc3, 0x28, 0x80]));
    expect(slr(h, ['license', 'smart', 'reservation', 'install-file', join(h, 'big.txt')]).stderr).toContain('at most 1048576 bytes');
    expect(slr(h, ['license', 'smart', 'reservation', 'install-file', join(h, 'empty.txt')]).stderr).toContain('is empty');
    expect(slr(h, ['license', 'smart', 'reservation', 'install-file', join(h, 'bin.txt')]).stderr).toContain('not UTF-8 text');
    expect(slr(h, ['license', 'trust', 'add', join(h, 'big.txt')]).stderr).toContain('at most 16384 bytes');
    expect(slr(h, ['license', 'smart', 'reservation', 'install-file', join(h, 'missing.txt')]).stderr).toContain('no such file');
    const sftp = slr(h, ['license', 'smart', 'reservation', 'install-file', 'sftp://10.0.0.1:22/codes/cc920.txt']);
    expect(sftp.status).toBe(1);
    expect(sftp.stderr).toContain('is a network address');
    expect(slr(h, ['license', 'smart', 'reservation', 'install-file', `file://${join(h, 'empty.txt')}`]).stderr).toContain('is empty');
  });
});
