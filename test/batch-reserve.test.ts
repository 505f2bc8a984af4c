// Many devices in one hand-off (issue 30): License Central reserves for a batch of request codes in one step and
// writes one bundle; every device installs its own entry from it. The batch is whole or nothing (a used, bad,
// repeated request or a shortfall at any device reserves nothing); a bundle's entries cannot be swapped,
// altered or used by a device that is not in it; the same through the server's API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { slr, type CliResult } from './helpers/cli.ts';
import { ok, refusedWith } from './helpers/cli-expect.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { makeDevice } from './helpers/world.ts';
import { MAX_BATCH, type AuthorizationBundle } from '../shared/codes/authorization-bundle.ts';
import { checkedBatch, isRequestFileName, requestCodesInText } from '../shared/codes/batch-requests.ts';
import { readDropped } from '../electron/app/dropped-file.ts';
import { refusal } from './helpers/world.ts';

const NOW = Date.UTC(2026, 7, 3, 10);

function world(purchased = 10) {
  const root = mkdtempSync(join(tmpdir(), 'slr-batch-'));
  const [lc, usb, reqs] = ['lc', 'usb', 'reqs'].map((d) => join(root, d)) as [string, string, string];
  for (const d of [usb, reqs]) mkdirSync(d);
  const a = (...args: string[]) => slr(lc, ['authority', ...args], NOW);
  ok(a('init', '--account', 'Acme'));
  ok(a('key', 'export', '--out', join(usb, 'lc.pem')));
  ok(a('license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', String(purchased)));
  const device = (name: string) => {
    const home = join(root, name);
    const d = (...args: string[]) => slr(home, args, NOW);
    ok(d('init', '--pid', 'UCM', '--trust', join(usb, 'lc.pem')));
    ok(d('license', 'smart', 'reservation', 'enable'));
    ok(d('license', 'smart', 'reservation', 'request', '--out', reqs));
    const sn = /S:([0-9a-f]{5})/.exec(d('show', 'license', 'udi').stdout)![1]!;
    return { d, sn, request: readFileSync(join(reqs, `${sn}-request.txt`), 'utf8').trim() };
  };
  const reserved = () => Number(/Default\s+UCM_Basic\s+\S+\s+-\s+\d+\s+(\d+)/.exec(a('show', 'licenses').stdout)![1]);
  return { root, usb, reqs, a, device, reserved };
}
const bundleIn = (dir: string) =>
  join(
    dir,
    readdirSync(dir).find((f) => f.startsWith('authorization-bundle-'))!,
  );
const installs = (r: CliResult) => expect(ok(r).stdout).toMatch(/installed successfully/);

describe('reserving for many devices in one hand-off', () => {
  it('reserves for a folder of request files in one step; each device installs its own code from the one bundle', () => {
    const w = world();
    const devices = ['d1', 'd2', 'd3'].map(w.device);
    const r = ok(w.a('reserve', '--account', 'Default', '--requests', w.reqs, '--license', 'UCM_Basic=2', '--out', w.usb));
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/Licenses reserved for 3 devices/);
    const file = bundleIn(w.usb);
    const bundle = JSON.parse(readFileSync(file, 'utf8')) as AuthorizationBundle;
    expect(bundle.entries.map((e) => e.sn).sort()).toEqual(devices.map((d) => d.sn).sort());
    for (const dev of devices) installs(dev.d('license', 'smart', 'reservation', 'install-file', file));
    expect(w.reserved()).toBe(6);
    expect(w.a('show', 'events').stdout.match(/Licenses reserved for/g)).toHaveLength(3);
    // A device that is not in the bundle is told whose codes it holds, and nothing changes on it.
    const other = w.device('d4');
    const before = other.d('show', 'license', 'status').stdout;
    refusedWith(
      other.d('license', 'smart', 'reservation', 'install-file', file),
      /holds no code for this device \(serial number [0-9a-f]{5}\): it holds 3 for/,
    );
    expect(other.d('show', 'license', 'status').stdout).toBe(before);
    // The same batch again: every request was used; nothing more is reserved.
    refusedWith(
      w.a('reserve', '--account', 'Default', '--requests', w.reqs, '--license', 'UCM_Basic=1'),
      /Request \d of the batch: This request code was already used/,
    );
    expect(w.reserved()).toBe(6);
  });

  it('takes the confirmations and the returns back as one hand-off: a folder of their files, or a file of lines; each on its own', () => {
    const w = world();
    const devices = ['c1', 'c2', 'c3'].map(w.device);
    ok(w.a('reserve', '--account', 'Default', '--requests', w.reqs, '--license', 'UCM_Basic=3', '--out', w.usb));
    for (const dev of devices) installs(dev.d('license', 'smart', 'reservation', 'install-file', bundleIn(w.usb)));
    // An update of each decreases to 1: 2 each in transition until the confirmations come back, together.
    const back = join(w.root, 'back');
    mkdirSync(back);
    for (const dev of devices) {
      ok(w.a('update', '--instance', dev.sn, '--license', 'UCM_Basic=1', '--out', join(w.root, `${dev.sn}-update.txt`)));
      ok(dev.d('license', 'smart', 'reservation', 'install-file', join(w.root, `${dev.sn}-update.txt`), '--out', back));
    }
    expect(readdirSync(back).sort()).toEqual(devices.map((d) => `${d.sn}-confirmation.txt`).sort());
    const confirmed = ok(w.a('--json', 'confirm', 'batch', '--codes', back)).json<{ results: { instance: string; ok: boolean }[] }>();
    expect(confirmed.results.map((r) => r.ok)).toEqual([true, true, true]);
    expect(w.reserved()).toBe(3);
    // The same folder again: each refused as replayed, and said so, one by one; nothing changes (exit 1).
    const again = w.a('confirm', 'batch', '--codes', back);
    expect(again.status).toBe(1);
    expect(again.stdout.match(/REFUSED \(replayed-code\)/g)).toHaveLength(3);
    expect(again.stderr).toMatch(/3 of 3 confirmation codes were refused/);
    // The returns as a file of lines (SN, code), one of them altered: the two others go through, the third is refused.
    const lines = devices.map((dev, i) => {
      ok(dev.d('license', 'usage', 'UCM_Basic', '0'));
      const code = ok(dev.d('license', 'smart', 'reservation', 'return')).stdout.trim();
      return `${dev.sn},${i === 2 ? code.replace(/^(.)/, (c) => (c === 'A' ? 'B' : 'A')) : code}`;
    });
    const file = join(w.root, 'returns.csv');
    writeFileSync(file, `instance,return code\n${lines.join('\n')}\n`);
    const removed = w.a('--json', 'remove', 'batch', '--codes', file);
    expect(removed.status).toBe(1);
    expect(removed.json<{ ok: false; results: { ok: boolean; code: string | null }[] }>().results.map((r) => [r.ok, r.code])).toEqual([
      [true, null],
      [true, null],
      [false, expect.stringMatching(/^code-|wrong-code/)],
    ]);
    expect(w.reserved()).toBe(1);
    // A line that names no device is refused before any code is entered.
    writeFileSync(file, `${devices[2]!.sn},x\nnot-a-device,code\n`);
    refusedWith(w.a('remove', 'batch', '--codes', file), /Line 2 of .* does not start with a device/);
    refusedWith(w.a('confirm', 'batch', '--codes', join(w.root, 'nothing-here')), /does not exist/);
  });

  it('takes a file of codes, one per line with comments, or as CSV, and answers --json', () => {
    const w = world();
    const [x, y] = [w.device('x'), w.device('y')];
    const list = join(w.root, 'codes.txt');
    writeFileSync(list, `# two devices\n\n${x.request}\n${y.request}\n`);
    const csv = join(w.root, 'codes.csv');
    writeFileSync(csv, `site,request\nsite-a,${x.request}\ncluster-b,"${y.request}"\n`);
    expect(ok(w.a('--json', 'reserve', '--account', 'Default', '--requests', csv, '--license', 'UCM_Basic=1')).stdout).toMatch(/"entries"/);
    expect(w.reserved()).toBe(2);
    const again = w.a('reserve', '--account', 'Default', '--requests', list, '--license', 'UCM_Basic=1');
    refusedWith(again, /Request 1 of the batch: This request code was already used/);
    const [z1, z2] = [w.device('z1'), w.device('z2')];
    writeFileSync(list, `${z1.request}\n# and\n${z2.request}\n`);
    const r = ok(w.a('--json', 'reserve', '--account', 'Default', '--requests', list, '--license', 'UCM_Basic=1'));
    const json = JSON.parse(r.stdout) as { ok: true; file: null; entries: { sn: string; code: string }[] };
    expect(json.entries.map((e) => e.sn)).toEqual([z1.sn, z2.sn]);
    installs(z1.d('license', 'smart', 'reservation', 'install', json.entries[0]!.code));
  });

  it('reserves whole or not at all: a bad code, a device named twice or a shortfall at any device reserves nothing', () => {
    const w = world(3);
    const [p, q] = [w.device('p'), w.device('q')];
    const list = (name: string, codes: string[]) => {
      writeFileSync(join(w.root, name), codes.join('\n'));
      return join(w.root, name);
    };
    const reserve = (file: string) => w.a('reserve', '--account', 'Default', '--requests', file, '--license', 'UCM_Basic=2');
    refusedWith(reserve(list('bad.txt', [p.request, `${q.request.slice(0, -3)}XYZ`])), /Request 2 of the batch: .*request code.*Nothing was reserved/);
    refusedWith(reserve(list('twice.txt', [p.request, p.request])), /Request 2 of the batch/);
    refusedWith(reserve(list('short.txt', [p.request, q.request])), /Request 2 of the batch: .*Nothing was reserved/);
    expect(w.reserved()).toBe(0);
    expect(w.a('show', 'instances').stdout).toMatch(/No product instances/);
    // Usage: one of --request and --requests; an empty folder holds no code.
    expect(w.a('reserve', '--account', 'Default', '--license', 'UCM_Basic=1').status).toBe(2);
    expect(w.a('reserve', '--account', 'Default', '--request', p.request, '--requests', w.reqs, '--license', 'UCM_Basic=1').status).toBe(2);
    refusedWith(w.a('reserve', '--account', 'Default', '--requests', w.usb, '--license', 'UCM_Basic=1'), /holds no request code/);
  });

  it('refuses a bundle whose entries were swapped, altered, repeated or cut short, changing nothing', () => {
    const w = world();
    const [m, n] = [w.device('m'), w.device('n')];
    ok(w.a('reserve', '--account', 'Default', '--requests', w.reqs, '--license', 'UCM_Basic=1', '--out', w.usb));
    const original = JSON.parse(readFileSync(bundleIn(w.usb), 'utf8')) as AuthorizationBundle;
    const write = (name: string, value: unknown) => {
      const file = join(w.root, name);
      writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
      return file;
    };
    const [e0, e1] = original.entries as [AuthorizationBundle['entries'][0], AuthorizationBundle['entries'][0]];
    const swapped = write('swapped.json', {
      ...original,
      entries: [
        { ...e0, code: e1.code },
        { ...e1, code: e0.code },
      ],
    });
    const mine = (dev: typeof m) => original.entries.find((e) => e.sn === dev.sn)!;
    refusedWith(m.d('license', 'smart', 'reservation', 'install-file', swapped), /another device|not for this device|UDI/i);
    const altered = write('altered.json', {
      ...original,
      entries: original.entries.map((e) => ({ ...e, code: e.code.replace('<count>1</count>', '<count>9</count>') })),
    });
    refusedWith(n.d('license', 'smart', 'reservation', 'install-file', altered), /signature/i);
    refusedWith(m.d('license', 'smart', 'reservation', 'install-file', write('twice.json', { ...original, entries: [mine(m), mine(m)] })), /two entries/);
    refusedWith(m.d('license', 'smart', 'reservation', 'install-file', write('cut.json', JSON.stringify(original).slice(0, 500))), /not JSON/);
    refusedWith(m.d('license', 'smart', 'reservation', 'install-file', write('extra.json', { ...original, extra: 1 })), /not one License Central writes/);
    for (const dev of [m, n]) expect(dev.d('show', 'license', 'status').stdout).toMatch(/Reservation In Progress/);
    installs(m.d('license', 'smart', 'reservation', 'install-file', bundleIn(w.usb)));
  });
});

describe('reserving for a batch through the server', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('sqlite', NOW, null);
  });
  afterAll(async () => s?.stop());

  it('answers reserve-batch with every code, or refuses the whole batch', async () => {
    const key = await s.ledger.exportKey();
    const devices = [1, 2].map(() => makeDevice('UCM', NOW, [{ id: key.id, publicKey: key.pem }]));
    const requests = devices.map((d) => (d.run({ type: 'enable' }, NOW), d.run({ type: 'request' }, NOW).issued!.code));
    const admin = await s.login('lab-admin');
    const r = (await s.call(admin, 'reserve-batch', { account: 'Lab', requests, licenses: { UCM_Basic: 2 } })) as { entries: { udi: string; code: string }[] };
    expect(r.entries).toHaveLength(2);
    devices.forEach((d, i) => expect(d.run({ type: 'install', code: r.entries[i]!.code }, NOW).message).toMatch(/installed/));
    await expect(s.call(admin, 'reserve-batch', { account: 'Lab', requests: [requests[0]!], licenses: { UCM_Basic: 1 } })).rejects.toMatchObject({
      code: 'request-used',
    });
    // A user of another virtual account may not reserve in Lab (fresh requests: refused for the account, not for a used code).
    const others = [1, 2].map(() => makeDevice('UCM', NOW, [{ id: key.id, publicKey: key.pem }]));
    const fresh = others.map((d) => (d.run({ type: 'enable' }, NOW), d.run({ type: 'request' }, NOW).issued!.code));
    await expect(s.call(await s.login('default-user'), 'reserve-batch', { account: 'Lab', requests: fresh, licenses: { UCM_Basic: 1 } })).rejects.toMatchObject(
      {
        code: 'forbidden',
      },
    );
    expect((await s.ledger.instances('Lab')).length).toBe(2);
  });
});

describe('a batch as text, and a dropped folder (the CLI and the app read both alike)', () => {
  const code = (c: string) => `${c}${'-ABCDE'.repeat(20)}`;
  it('reads a code per line or per CSV row, skipping blank lines, comments and a header; refuses none or too many', () => {
    expect(requestCodesInText(`# lab\n\n${code('A')}\r\n  ${code('B')}  \n`)).toEqual([code('A'), code('B')]);
    expect(requestCodesInText(`device,request\ncucm-1,"${code('A')}"\ncucm-2,${code('B')}\n`)).toEqual([code('A'), code('B')]);
    expect(requestCodesInText('')).toEqual([]);
    expect(refusal(() => checkedBatch([], 'x.txt', false))).toMatchObject({ code: 'code-empty', hint: 'Put one request code per line.' });
    expect(refusal(() => checkedBatch(Array(MAX_BATCH + 1).fill('c'), 'x.txt', false)).code).toBe('bad-count');
    expect(['cc920-request.txt', 'LAB-1.SLRREQ', 'a.slrreq'].every(isRequestFileName)).toBe(true);
    expect(['cc920-return.txt', 'request.txt', 'notes.slrreq.bak'].some(isRequestFileName)).toBe(false);
  });

  it('reads a dropped folder as its request files, in name order; a folder without any is refused; a file is read as a code file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slr-dropped-'));
    mkdirSync(join(dir, 'reqs'));
    writeFileSync(join(dir, 'reqs', 'b2-request.txt'), `${code('B')}\n`);
    writeFileSync(join(dir, 'reqs', 'a1.slrreq'), code('A'));
    writeFileSync(join(dir, 'reqs', 'notes.txt'), 'not a request');
    expect(readDropped(join(dir, 'reqs'))).toEqual({ name: 'reqs', text: `${code('A')}\n${code('B')}\n`, folder: true });
    mkdirSync(join(dir, 'empty'));
    expect(refusal(() => readDropped(join(dir, 'empty')))).toMatchObject({ code: 'code-empty', message: 'The folder empty holds no request code.' });
    expect(readDropped(join(dir, 'reqs', 'b2-request.txt'))).toEqual({ name: 'b2-request.txt', text: `${code('B')}\n` });
  });
});
