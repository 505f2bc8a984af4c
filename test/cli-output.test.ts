// The CLI as scripts use it: a code alone on stdout (so `> file` makes a file the other side accepts), one
// --json shape for every outcome, --version, and one line for a Node too old to run it.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SLR, slr } from './helpers/cli.ts';
import { reservedSides } from './helpers/sides.ts';
import { DatabaseSync } from 'node:sqlite';
import { tooOld } from '../electron/cli/node-check.mjs';

const T = Date.UTC(2026, 2, 1, 9, 0, 0);
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `slr-${name}-`));

describe('the CLI for scripts', () => {
  it('prints an issued code alone on stdout, on both sides, and the files so made are accepted', () => {
    const auth = tmp('out-auth');
    const dev = tmp('out-dev');
    expect(slr(auth, ['authority', 'init', '--account', 'Acme'], T).status).toBe(0);
    expect(slr(auth, ['authority', 'license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '5'], T).status).toBe(0);
    const keyFile = join(dev, 'lc.pem');
    writeFileSync(keyFile, slr(auth, ['authority', 'key', 'export'], T).stdout);
    expect(slr(dev, ['init', '--pid', 'UCM', '--trust', keyFile], T).status).toBe(0);
    expect(slr(dev, ['license', 'smart', 'reservation', 'enable'], T).status).toBe(0);
    const request = slr(dev, ['license', 'smart', 'reservation', 'request'], T);
    expect(request.stdout).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{1,5})+\n$/);
    expect(request.stderr).toContain('Enter this request code in License Central');
    // The message pasted with the code (as `2>&1 > file` or a copied terminal would) is named as such.
    const both = join(dev, 'both.txt');
    writeFileSync(both, `${request.stderr}${request.stdout}`);
    const withText = slr(auth, ['--json', 'authority', 'reserve', '--account', 'Default', '--request', `@${both}`, '--license', 'UCM_Basic=2'], T + 500);
    expect(withText.status).toBe(1);
    expect(withText.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'code-with-text',
      message: expect.stringMatching(/pasted with the text around it/),
    });
    const requestFile = join(dev, 'request.txt');
    writeFileSync(requestFile, request.stdout);
    const reserve = slr(auth, ['authority', 'reserve', '--account', 'Default', '--request', `@${requestFile}`, '--license', 'UCM_Basic=2'], T + 1000);
    expect(reserve.status, reserve.stderr).toBe(0);
    expect(reserve.stdout).toMatch(/^<specificPLR>.*<\/specificPLR> SLRW1\.\S+\n$/);
    expect(reserve.stderr).toContain('Licenses reserved');
    const codeFile = join(dev, 'code.txt');
    writeFileSync(codeFile, reserve.stdout);
    expect(slr(dev, ['license', 'smart', 'reservation', 'install-file', codeFile], T + 2000).status).toBe(0);
    const ret = slr(dev, ['license', 'smart', 'reservation', 'return'], T + 3000);
    expect(ret.stdout).toMatch(/^[0-9A-Z-]+\n$/);
    const returnFile = join(dev, 'return.txt');
    writeFileSync(returnFile, ret.stdout);
    expect(
      slr(auth, ['authority', 'remove', '--instance', slr(dev, ['show', 'license', 'udi'], T).stdout.trim(), '--return-code', `@${returnFile}`], T + 4000)
        .status,
    ).toBe(0);
  });

  it('answers --json with one shape: ok true, or ok false with code, message and a string hint', () => {
    const home = tmp('json');
    const shapes = [
      slr(home, ['--json', 'license', 'usage', 'UCM_Basic']), // usage error
      slr(home, ['--json', 'show', 'license', 'status']), // refused: no instance
      slr(home, ['--json', 'authority', 'reserve']), // usage error on the authority side
      slr(home, ['--json', 'authority', 'show', 'licenses']), // refused: no authority
    ].map((r) => r.json<{ ok: boolean; error: { code: string; message: string; hint: unknown } }>());
    for (const s of shapes) {
      expect(s.ok).toBe(false);
      expect(typeof s.error.code).toBe('string');
      expect(typeof s.error.message).toBe('string');
      expect(typeof s.error.hint).toBe('string');
    }
  });

  it('prints its version', () => {
    const r = slr(tmp('version'), ['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^slr \d+\.\d+\.\d+\n$/);
  });

  it('tells a Node too old to run it, in one line, what is needed', () => {
    expect(tooOld('20.20.2')).toMatch(/needs Node 22\.18 or newer .* this is Node 20\.20\.2/);
    expect(tooOld('22.17.9')).not.toBeNull();
    expect(tooOld('22.18.0')).toBeNull();
    expect(tooOld('24.21.0')).toBeNull();
    // With a real old Node where the machine has one (Debian's /usr/bin/node here): exit 2, one line, no stack.
    const old = spawnSync('/usr/bin/node', ['--version'], { encoding: 'utf8' });
    if (old.status === 0 && tooOld(old.stdout.trim().replace(/^v/, ''))) {
      const r = spawnSync('/usr/bin/node', [SLR, '--help'], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/needs Node 22\.18 or newer/);
    }
  });
});

describe('after a return', () => {
  it('return again says where the last return code is', () => {
    const home = tmp('return-again');
    expect(slr(home, ['init', '--pid', 'UCM'], T).status).toBe(0);
    expect(slr(home, ['license', 'smart', 'reservation', 'enable'], T).status).toBe(0);
    const r = slr(home, ['license', 'smart', 'reservation', 'return'], T);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('slr show license reservation');
  });
});

describe('an update that only increases', () => {
  it('says that nothing is in transition, and what entering its confirmation code does', () => {
    const { a, d, sn } = reservedSides('inc', T);
    const update = a('update', '--instance', sn, '--license', 'UCM_Basic=5');
    expect(update.stderr).toMatch(/Nothing is in transition \(no license decreased\)/);
    expect(update.stderr).not.toMatch(/stay in transition/);
    const confirmation = d('license', 'smart', 'reservation', 'install', update.stdout.trim()).stdout.trim();
    const confirmed = a('confirm', '--instance', sn, confirmation);
    expect(confirmed.status, confirmed.stderr).toBe(0);
    expect(confirmed.stdout).toMatch(/the device runs the code of .*; nothing was in transition, so nothing is released/);
    expect(confirmed.stdout).not.toMatch(/released from transition/);
  });
});

describe('tables and text on a terminal', () => {
  it('prints every device table as CSV with --csv, header first, and refuses --csv where there is no table', () => {
    const { d } = reservedSides('csv', T);
    expect(d('license', 'usage', 'UCM_Basic', '1').status).toBe(0);
    const usage = d('show', 'license', 'usage', '--csv').stdout.split('\r\n');
    expect(usage[0]).toBe('License,In Use,Reserved,Valid Until,Status');
    expect(usage[1]).toMatch(/^UCM_Basic,1,2,perpetual,/);
    const reservation = d('show', 'license', 'reservation', '--csv').stdout.trimEnd().split('\r\n');
    expect(reservation[0]).toBe('License,Tag,Count,Type,Start,End');
    expect(reservation[1]).toMatch(/,2,PERPETUAL,,$/);
    expect(d('license', 'trust', 'list', '--csv').stdout).toMatch(/^Key id,Label,Added\r\n[0-9a-f]{16},lc\.pem,/);
    const wrong = d('show', 'license', 'status', '--csv');
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/--csv goes with show license usage \| reservation \| events/);
  });

  it('refuses control characters in names and reasons, and never prints them from a log', () => {
    const auth = tmp('ctl-auth');
    let t = T;
    const a = (...args: string[]) => slr(auth, ['--json', 'authority', ...args], (t += 60_000));
    expect(a('init', '--account', 'Acme\u001b]0;pwned\u0007').json<{ error: { code: string } }>().error.code).toBe('bad-name');
    expect(a('init', '--account', 'Acme').status).toBe(0);
    for (const name of ['Lab\u001b[31m', 'Lab\u202eevil', 'Lab\u009b2J'])
      expect(a('account', 'add', name).json<{ error: { code: string } }>().error.code, name).toBe('bad-name');
    expect(a('clock', 'accept', '--reason', 'fixed\u001b[2J').json<{ error: { code: string } }>().error.code).toBe('bad-text');
    // A log edited to hold an escape sequence: shown as U+FFFD in text, as \u escapes in JSON.
    const db = new DatabaseSync(join(auth, 'authority.sqlite'));
    db.exec("UPDATE events SET message = 'created \u001b[2J\u009b31m \u202eevil' WHERE id = 1");
    db.close();
    const text = slr(auth, ['authority', 'show', 'events'], (t += 60_000)).stdout;
    expect(text).not.toMatch(/[\u001b\u009b\u202e]/);
    expect(text).toContain('created \uFFFD[2J\uFFFD31m \uFFFDevil');
    const json = a('show', 'events').stdout;
    expect(json).not.toMatch(/[\u001b\u009b\u202e]/);
    expect(JSON.parse(json).events[0].message).toBe('created \u001b[2J\u009b31m \u202eevil');
  });
});
