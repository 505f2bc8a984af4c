// Offline usage reports (issue 30): a reserved device writes a signed report of its usage, License Central
// imports it once and answers with a signed acknowledgement the device imports. Through the CLI as an
// operator and a courier meet it: replayed, reordered, after a gap, tampered, re-signed, for another device,
// from a device whose state was copied, with the wrong kind of file; and the flags License Central shows.
import { describe, expect, it } from 'vitest';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBase64Url, toBase64Url, utf8 } from '../shared/bytes.ts';
import { ACK_PREFIX, MAX_REPORT_CHARS, readUsageAck, readUsageReport, reportHash, REPORT_PREFIX } from '../shared/codes/usage-report.ts';
import { cryptoBasics, signMessage } from '../electron/platform/crypto.ts';
import { slr } from './helpers/cli.ts';
import { reservedSides } from './helpers/sides.ts';
import { refusal } from './helpers/world.ts';

const T = Date.UTC(2026, 3, 1, 9, 0, 0);
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `slr-usage-${name}-`));

/** A device with 2 reserved, a folder to carry files in, and the device's report and License Central's answer as files. */
function world(name: string) {
  const sides = reservedSides(name, T, { reserved: 2 });
  const usb = tmp(`${name}-usb`);
  let n = 0;
  const report = () => {
    const r = sides.d('license', 'smart', 'usage', 'report', '--out', join(usb, `r${++n}.txt`));
    expect(r.status, r.stderr).toBe(0);
    return join(usb, `r${n}.txt`);
  };
  const importReport = (file: string) => sides.a('--json', 'usage', 'import', file, '--out', `${file}.ack`);
  const acknowledge = (file: string) => sides.d('license', 'smart', 'usage', 'acknowledge', file);
  return { ...sides, usb, report, importReport, acknowledge };
}

const json = <T>(r: { stdout: string }) => JSON.parse(r.stdout) as T;
type Imported = { seq: number; replayed: boolean; missing: number; over: { tag: string; inUse: number; reserved: number }[]; ack: string };

describe('an offline usage report, carried both ways', () => {
  it('is imported once, acknowledged, shown on both sides; over-reserved and silent instances are flagged', () => {
    const w = world('round');
    expect(w.d('license', 'usage', 'UCM_Basic', '3').status).toBe(0);
    const file = w.report();
    expect(readFileSync(file, 'utf8')).toMatch(new RegExp(`^${REPORT_PREFIX}\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\n$`));
    const first = w.importReport(file);
    expect(first.status, first.stderr).toBe(0);
    const r = json<Imported>(first);
    expect(r).toMatchObject({ seq: 1, replayed: false, missing: 0 });
    expect(r.over).toEqual([{ tag: expect.stringContaining('UCM_Basic'), inUse: 3, reserved: 2 }]);
    // The device takes License Central's answer and shows it.
    const ack = w.acknowledge(`${file}.ack`);
    expect(ack.status, ack.stderr).toBe(0);
    expect(ack.stdout).toMatch(
      /Usage report #1 of .* acknowledged by License Central on .*: License Central counts licenses in use beyond those reserved: UCM_Basic 3 of 2\./,
    );
    expect(w.d('show', 'license', 'status').stdout).toMatch(/^Usage Report: #1 of .* acknowledged by License Central/m);
    expect(w.d('--json', 'show', 'license', 'status').json<{ usageReports: { acked: { seq: number } } }>().usageReports.acked.seq).toBe(1);
    // License Central: the last report, flagged OVER RESERVED; the event log has it once.
    const shown = w.a('--json', 'show', 'usage-reports').json<{ lines: { sn: string; last: { seq: number }; flags: string[] }[] }>();
    expect(shown.lines).toEqual([expect.objectContaining({ sn: w.sn, last: expect.objectContaining({ seq: 1 }), flags: ['over-reserved'] })]);
    expect(w.a('show', 'usage-reports').stdout).toMatch(/#1 .*UCM_Basic=3 +OVER RESERVED/);
    // A silence policy: 30 days later, with no report since, the instance is SILENT too (the clock of the test moves a minute a command).
    expect(w.a('usage', 'policy', '--silent-after', '30d').status).toBe(0);
    expect(w.a('--json', 'show', 'usage-reports').json<{ lines: { flags: string[] }[] }>().lines[0]!.flags).toEqual(['over-reserved']);
    const later = slr(w.auth, ['authority', '--json', 'show', 'usage-reports'], T + 31 * 86_400_000);
    expect(later.json<{ lines: { flags: string[] }[] }>().lines[0]!.flags).toEqual(['over-reserved', 'silent']);
    expect(w.a('usage', 'policy', '--silent-after', 'soon').status).toBe(2);
  });

  it('counts a report brought twice once (the same acknowledgement again), also with its signature written another way', () => {
    const w = world('replay');
    expect(w.d('license', 'usage', 'UCM_Basic', '1').status).toBe(0);
    const file = w.report();
    const once = json<Imported>(w.importReport(file));
    const again = w.importReport(file);
    expect(again.status).toBe(0);
    expect(json<Imported>(again)).toMatchObject({ replayed: true, ack: once.ack });
    // The same payload signed again by the device key (ECDSA signs one message many ways): the same report, not a second one.
    const state = JSON.parse(readFileSync(join(w.dev, 'product-instance.json'), 'utf8')) as { deviceKey: { privateKey: { value: string } } };
    const [prefix, payload] = readFileSync(file, 'utf8').trim().split('.');
    const resigned = `${prefix}.${payload}.${toBase64Url(signMessage(state.deviceKey.privateKey.value, utf8(`slr-desk/${prefix}|${payload}`)))}`;
    writeFileSync(join(w.usb, 'resigned.txt'), resigned);
    expect(json<Imported>(w.importReport(join(w.usb, 'resigned.txt')))).toMatchObject({ replayed: true, ack: once.ack });
    const events = w
      .a('--json', 'show', 'events')
      .json<{ events: { type: string }[] }>()
      .events.filter((e) => e.type === 'usage-report');
    expect(events).toHaveLength(1);
    // The device imports the acknowledgement once; the second time it says so and changes nothing.
    expect(w.acknowledge(`${file}.ack`).status).toBe(0);
    const twice = w.acknowledge(`${file}.ack`);
    expect(twice.status).toBe(1);
    expect(twice.stderr).toMatch(/already acknowledged/);
  });

  it('takes a report after a gap, refuses the older one that arrives late, and the device drops what the later one covers', () => {
    const w = world('order');
    const one = w.report();
    const two = w.report();
    expect(w.d('license', 'usage', 'UCM_Basic', '2').status).toBe(0);
    const three = w.report();
    expect(json<Imported>(w.importReport(one))).toMatchObject({ seq: 1, missing: 0 });
    expect(json<Imported>(w.importReport(three))).toMatchObject({ seq: 3, missing: 1, over: [] });
    const late = w.importReport(two);
    expect(late.status).toBe(1);
    expect(json<{ error: { code: string } }>(late).error.code).toBe('report-stale');
    // The device imports #3's answer, then #1's: #1 is older than what it holds.
    expect(w.acknowledge(`${three}.ack`).status).toBe(0);
    expect(w.d('show', 'license', 'status').stdout).not.toMatch(/waits for its acknowledgement/);
    const old = w.acknowledge(`${one}.ack`);
    expect(old.stderr).toMatch(/#1 was already acknowledged: report #3, a later one, is/);
    // The next report covers the time since #3.
    const four = readUsageReport(readFileSync(w.report(), 'utf8')).body;
    expect(four).toMatchObject({ seq: 4, acked: 3 });
  });

  it('refuses a report from a device whose state was copied and went its own way, and flags the instance', () => {
    const w = world('copy');
    const copy = tmp('copy-dev');
    cpSync(w.dev, copy, { recursive: true });
    const mine = w.report();
    // The copy makes its own report #1, with other usage.
    expect(slr(copy, ['license', 'usage', 'UCM_Basic', '2'], T + 3_600_000).status).toBe(0);
    expect(slr(copy, ['license', 'smart', 'usage', 'report', '--out', join(w.usb, 'theirs.txt')], T + 3_600_000).status).toBe(0);
    expect(w.importReport(mine).status).toBe(0);
    const theirs = w.importReport(join(w.usb, 'theirs.txt'));
    expect(json<{ error: { code: string; message: string } }>(theirs).error).toMatchObject({
      code: 'report-conflict',
      message: expect.stringMatching(/copied or put back/),
    });
    expect(w.a('show', 'instances').stdout).toMatch(/ROLLED BACK/);
  });
});

describe('the silence policy in the one engine of dates', () => {
  it('lists when each reserved instance must report and each satellite must synchronise, from the last one', () => {
    const w = world('due');
    const due = (at: number) =>
      slr(w.auth, ['authority', '--json', 'show', 'expiring', '--within', '60'], at).json<{ items: { kind: string; subject: string; at: number }[] }>().items;
    // No policy: nothing is due.
    expect(due(T + 3_600_000).filter((i) => i.kind === 'usage-report')).toEqual([]);
    expect(w.a('usage', 'policy', '--silent-after', '30').status).toBe(0);
    const first = due(T + 3_600_000).filter((i) => i.kind === 'usage-report');
    expect(first).toEqual([expect.objectContaining({ subject: expect.stringContaining(`S:${w.sn}`) })]);
    // Reserved at the start: due 30 days after that; a report imported a day later moves it a day on.
    expect(first[0]!.at).toBeGreaterThan(T + 30 * 86_400_000 - 3_600_000);
    expect(first[0]!.at).toBeLessThan(T + 30 * 86_400_000 + 3_600_000);
    const file = w.report();
    expect(slr(w.auth, ['authority', 'usage', 'import', file], T + 86_400_000).status).toBe(0);
    expect(due(T + 2 * 86_400_000).find((i) => i.kind === 'usage-report')!.at).toBe(T + 31 * 86_400_000);
    expect(slr(w.auth, ['authority', 'show', 'expiring', '--within', '60'], T + 86_400_000).stdout).toMatch(/usage report due \(silent after that\)/);
    // A satellite enrolled here is due to synchronise within the same policy.
    const sat = tmp('due-sat');
    expect(slr(w.auth, ['authority', 'satellite', 'add', 'Plant 4', '--out', join(w.usb, 'enrol.json')], T + 86_400_000).status).toBe(0);
    expect(slr(sat, ['authority', 'init', '--account', 'Acme'], T + 86_400_000).status).toBe(0);
    expect(slr(sat, ['authority', 'satellite', 'enrol', join(w.usb, 'enrol.json'), '--out', join(w.usb, 'reply.json')], T + 86_400_000).status).toBe(0);
    expect(slr(w.auth, ['authority', 'sync', 'import', join(w.usb, 'reply.json'), '--out', join(w.usb, 'a0.json')], T + 2 * 86_400_000).status).toBe(0);
    const satDue = due(T + 2 * 86_400_000).find((i) => i.kind === 'satellite-sync');
    expect(satDue).toMatchObject({ subject: 'satellite "Plant 4"', at: T + 32 * 86_400_000 });
    // Policy off: neither is listed.
    expect(slr(w.auth, ['authority', 'usage', 'policy', '--silent-after', 'off'], T + 2 * 86_400_000).status).toBe(0);
    expect(due(T + 2 * 86_400_000).filter((i) => i.kind === 'usage-report' || i.kind === 'satellite-sync')).toEqual([]);
  });
});

describe('the witness in a usage report', () => {
  it('tells License Central, restored from an older backup, that it went back (not that the device forged a code), with what to do, and logs it', () => {
    const w = world('witness');
    const backup = join(tmp('witness-vault'), 'lc.sqlite');
    expect(w.a('backup', '--out', backup).status).toBe(0);
    // After the backup: an update the device installs, so it has seen a later checkpoint of the log.
    const later = w.a('update', '--instance', w.sn, '--license', 'UCM_Basic=3').stdout.trim();
    expect(w.d('license', 'smart', 'reservation', 'install', later).status).toBe(0);
    const seen = w.d('--json', 'show', 'license', 'status').json<{ checkpoints: { events: number }[] }>().checkpoints.at(-1)!.events;
    // The ledger is lost and brought back from the backup (docs/backup-restore.md).
    for (const f of ['authority.sqlite', 'authority.sqlite-wal', 'authority.sqlite-shm']) rmSync(join(w.auth, f), { force: true });
    copyFileSync(backup, join(w.auth, 'authority.sqlite'));
    const report = readUsageReport(readFileSync(w.report(), 'utf8')).body;
    expect(report.witness?.at(-1)?.events).toBe(seen);
    const imported = w.a('usage', 'import', join(w.usb, 'r1.txt'), '--out', w.usb);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stderr).toMatch(
      new RegExp(
        `WARNING: .* runs the authorization code of .*, issued by this License Central .* after event ${seen} of its log; this ledger has that event but not that code: it was restored from a backup made before the code was issued\\. Restore the latest backup`,
      ),
    );
    expect(imported.stderr).not.toMatch(/forged/);
    expect(
      w
        .a('--json', 'show', 'events')
        .json<{ events: { type: string }[] }>()
        .events.map((e) => e.type),
    ).toContain('ledger-behind');
    // Restored from a backup older still, behind two codes the device installed: the restore, logged, is another event there.
    const w2 = world('witness-far');
    const vault = join(tmp('witness-far-vault'), 'lc.sqlite');
    expect(w2.a('backup', '--out', vault).status).toBe(0);
    for (const n of ['3', '4'])
      expect(w2.d('license', 'smart', 'reservation', 'install', w2.a('update', '--instance', w2.sn, '--license', `UCM_Basic=${n}`).stdout.trim()).status).toBe(
        0,
      );
    for (const f of ['authority.sqlite', 'authority.sqlite-wal', 'authority.sqlite-shm']) rmSync(join(w2.auth, f), { force: true });
    copyFileSync(vault, join(w2.auth, 'authority.sqlite'));
    expect(w2.a('usage', 'import', w2.report()).stderr).toMatch(
      /WARNING: .* has seen another event \d+ in this License Central's log than this ledger holds .*: this ledger was restored from an older backup and has logged other events since/,
    );
    // A device that saw nothing later says nothing: the same report at the ledger it was made for.
    const fresh = world('witness-fresh');
    expect(fresh.importReport(fresh.report()).stdout).toMatch(/"warnings":\[\]/);
  });
});

describe('a device of a disconnected satellite', () => {
  it('reports to its satellite, and the report travels up in the sync file to the parent, which lists it', () => {
    const dir = tmp('sat-world');
    const [parent, sat, dev] = ['parent', 'sat', 'dev'].map((n) => join(dir, n)) as [string, string, string];
    const usb = (f: string) => join(dir, f);
    let t = T;
    const run = (home: string, ...args: string[]) => {
      const r = slr(home, args, (t += 60_000));
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r;
    };
    run(parent, 'authority', 'init', '--account', 'Org');
    run(parent, 'authority', 'license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '10');
    run(sat, 'authority', 'init', '--account', 'Org');
    run(parent, 'authority', 'satellite', 'add', 'Plant 4', '--out', usb('enrol.json'));
    run(sat, 'authority', 'satellite', 'enrol', usb('enrol.json'), '--out', usb('reply.json'));
    run(parent, 'authority', 'sync', 'import', usb('reply.json'), '--out', usb('a0.json'));
    run(sat, 'authority', 'sync', 'import', usb('a0.json'));
    run(parent, 'authority', 'satellite', 'allocate', 'Plant 4', '--account', 'Default', '--license', 'UCM_Basic=4');
    run(sat, 'authority', 'sync', 'export', '--out', usb('up0.json'));
    run(parent, 'authority', 'sync', 'import', usb('up0.json'), '--out', usb('down.json'));
    run(sat, 'authority', 'sync', 'import', usb('down.json'));
    // The device, on the satellite's network: reserved there, its report imported there.
    run(sat, 'authority', 'key', 'export', '--out', usb('sat.pem'));
    run(dev, 'init', '--pid', 'UCM', '--trust', usb('sat.pem'));
    run(dev, 'license', 'smart', 'reservation', 'enable');
    const request = run(dev, 'license', 'smart', 'reservation', 'request').stdout.trim();
    const code = run(sat, 'authority', 'reserve', '--account', 'Default', '--request', request, '--license', 'UCM_Basic=2').stdout.trim();
    run(dev, 'license', 'smart', 'reservation', 'install', code);
    run(dev, 'license', 'usage', 'UCM_Basic', '3');
    run(dev, 'license', 'smart', 'usage', 'report', '--out', usb('report.txt'));
    run(sat, 'authority', 'usage', 'import', usb('report.txt'), '--out', usb('ack.txt'));
    run(dev, 'license', 'smart', 'usage', 'acknowledge', usb('ack.txt'));
    // Up to the parent in the next sync file: listed there, by satellite, with its flag.
    run(sat, 'authority', 'sync', 'export', '--out', usb('up.json'));
    run(parent, 'authority', 'sync', 'import', usb('up.json'), '--out', usb('down2.json'));
    const lines = run(parent, 'authority', '--json', 'show', 'usage-reports').json<{ lines: { satellite: string; last: { seq: number }; flags: string[] }[] }>()
      .lines;
    expect(lines).toEqual([expect.objectContaining({ satellite: 'Plant 4', last: expect.objectContaining({ seq: 1 }), flags: ['over-reserved'] })]);
    expect(run(parent, 'authority', 'show', 'usage-reports').stdout).toMatch(/Default \(satellite Plant 4\) .* #1 .*UCM_Basic=3 +OVER RESERVED/);
  });
});

describe('bad input on both sides', () => {
  it('refuses a tampered, truncated, foreign, oversized or empty report, and the wrong kind of file, recording nothing', () => {
    const w = world('bad');
    const good = readFileSync(w.report(), 'utf8').trim();
    const [prefix, payload, signature] = good.split('.') as [string, string, string];
    const body = JSON.parse(new TextDecoder().decode(fromBase64Url(payload)!)) as Record<string, unknown>;
    const withBody = (b: object) => `${prefix}.${toBase64Url(utf8(JSON.stringify(b)))}.${signature}`;
    const other = reservedSides('bad-other', T);
    const foreign = readFileSync(
      (() => {
        const f = join(w.usb, 'foreign.txt');
        expect(other.d('license', 'smart', 'usage', 'report', '--out', f).status).toBe(0);
        return f;
      })(),
      'utf8',
    ).trim();
    const [, fp, fs] = foreign.split('.') as [string, string, string];
    const foreignBody = JSON.parse(new TextDecoder().decode(fromBase64Url(fp)!)) as Record<string, unknown>;
    const cases: [string, string, string][] = [
      ['usage raised in transit', withBody({ ...body, usage: { ...(body.usage as object), 'regid.x': 1 } }), 'untrusted'],
      [
        'another device’s report claiming this one',
        `${prefix}.${toBase64Url(utf8(JSON.stringify({ ...foreignBody, udi: body.udi, piid: body.piid })))}.${fs}`,
        'untrusted',
      ],
      ['another device’s report, whole', foreign, 'no-instance'],
      ['its signature cut short', `${prefix}.${payload}.${signature.slice(0, 40)}`, 'untrusted'],
      ['no signature', `${prefix}.${payload}`, 'report-malformed'],
      ['a payload that is not JSON', `${prefix}.${toBase64Url(utf8('{"udi":'))}.${signature}`, 'report-malformed'],
      ['a field of the wrong type', withBody({ ...body, seq: '1' }), 'report-malformed'],
      ['an extra field', withBody({ ...body, admin: true }), 'report-malformed'],
      ['an acknowledgement instead', `${ACK_PREFIX}.${payload}.${signature}`, 'report-wrong-kind'],
      ['an authorization code instead', '<specificPLR><x/></specificPLR>', 'report-malformed'],
      ['too large for a report file', `${prefix}.${'A'.repeat(MAX_REPORT_CHARS)}.${signature}`, 'code-too-large'],
    ];
    for (const [name, text, code] of cases) {
      const f = join(w.usb, 'case.txt');
      writeFileSync(f, text);
      const r = w.importReport(f);
      expect(r.status, name).toBe(1);
      expect(json<{ error: { code: string } }>(r).error.code, name).toBe(code);
    }
    writeFileSync(join(w.usb, 'empty.txt'), '');
    expect(w.importReport(join(w.usb, 'empty.txt')).status).toBe(1);
    // Wrapped across lines by a mail client, it is still the same report.
    writeFileSync(join(w.usb, 'wrapped.txt'), `  ${good.match(/.{1,64}/g)!.join('\n  ')}\n`);
    expect(w.importReport(join(w.usb, 'wrapped.txt')).status).toBe(0);
    expect(
      w
        .a('--json', 'show', 'events')
        .json<{ events: { type: string }[] }>()
        .events.filter((e) => e.type === 'usage-report'),
    ).toHaveLength(1);
  });

  it('refuses on the device an acknowledgement altered, for another device, for a report it never made, or signed by a key it does not trust', () => {
    const w = world('ack');
    const file = w.report();
    const ackText = json<Imported>(w.importReport(file)).ack;
    const [prefix, payload, signature] = ackText.split('.') as [string, string, string];
    const ack = readUsageAck(ackText).body;
    const withBody = (b: object) => `${prefix}.${toBase64Url(utf8(JSON.stringify(b)))}.${signature}`;
    const cases: [string, string, string][] = [
      ['nothing over reserved, claimed in transit', withBody({ ...ack, over: [], missing: 0, at: ack.at + 1 }), 'untrusted'],
      [
        'another device',
        withBody({ ...ack, udi: ack.udi.replace(/U:.*/, 'U:00000000-0000-4000-8000-000000000001').replace(/S:[0-9a-f]{5}/, 'S:00001') }),
        'wrong-device',
      ],
      ['a key it does not trust', withBody({ ...ack, keyId: '0000000000000000' }), 'untrusted'],
      ['a report it never made', withBody({ ...ack, seq: 7 }), 'untrusted'],
      ['a report instead', readFileSync(file, 'utf8'), 'report-wrong-kind'],
      ['damaged', `${prefix}.${payload.slice(0, -5)}.${signature}`, 'report-malformed'],
    ];
    for (const [name, text, code] of cases) {
      const f = join(w.usb, 'ack-case.txt');
      writeFileSync(f, text);
      const r = w.d('--json', 'license', 'smart', 'usage', 'acknowledge', f);
      expect(r.status, name).toBe(1);
      expect(json<{ error: { code: string } }>(r).error.code, name).toBe(code);
    }
    expect(w.d('show', 'license', 'status').stdout).toMatch(/Usage Report: none acknowledged yet/);
    // The genuine one still imports.
    expect(w.acknowledge(`${file}.ack`).status).toBe(0);
  });

  it('names its report by what the device signed, and refuses a report where the device has none to make', () => {
    const w = world('where');
    const text = readFileSync(w.report(), 'utf8');
    expect(reportHash(cryptoBasics.sha256, text)).toBe(reportHash(cryptoBasics.sha256, text.replace(/\.([^.]+)$/, '.AAAA')));
    const fresh = tmp('where-dev');
    expect(slr(fresh, ['init', '--pid', 'UCM'], T).status).toBe(0);
    const none = slr(fresh, ['--json', 'license', 'smart', 'usage', 'report'], T);
    expect(none.status).toBe(1);
    expect(json<{ error: { message: string } }>(none).error.message).toMatch(/not enabled|No reservation/);
    expect(refusal(() => readUsageReport('SLRU1.e30.AA')).code).toBe('report-malformed');
    expect(refusal(() => readUsageReport('x'.repeat(MAX_REPORT_CHARS + 1))).code).toBe('report-too-large');
  });
});
