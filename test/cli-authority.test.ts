import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { slr } from './helpers/cli.ts';
import { makeConfirmationCode } from '../shared/codes/device-codes.ts';

const T = Date.UTC(2026, 2, 1, 9, 0, 0);
const at = (minutes: number) => T + minutes * 60_000;
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `slr-${name}-`));

interface Issued {
  ok: true;
  issued: { kind: string; code: string };
}

/** An authority and a device, each with its own --home, passing files between them. */
function world() {
  const auth = tmp('authority');
  const usb = tmp('usb');
  let clock = 0;
  const now = () => at(++clock);
  const a = (...args: string[]) => slr(auth, ['authority', ...args], now());
  const ok = (r: ReturnType<typeof slr>) => {
    if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
    return r;
  };
  ok(a('init', '--account', 'Acme'));
  ok(a('key', 'export', '--out', join(usb, 'license-central.pem')));
  const device = (pid = 'UCM') => {
    const home = tmp('device');
    const d = (...args: string[]) => slr(home, args, now());
    ok(d('init', '--pid', pid));
    ok(d('license', 'trust', 'add', join(usb, 'license-central.pem')));
    ok(d('license', 'smart', 'reservation', 'enable'));
    const request = ok(d('--json', 'license', 'smart', 'reservation', 'request')).json<Issued>().issued.code;
    const sn = ok(d('show', 'license', 'udi')).stdout.match(/S:([0-9a-f]{5})/)![1]!;
    const install = () => ok(d('--json', 'license', 'smart', 'reservation', 'install-file', join(usb, `${sn}-authorization.txt`))).json<Partial<Issued>>();
    return { home, d, request, sn, install };
  };
  return { auth, usb, a, ok, device };
}

function licenses(a: (...args: string[]) => ReturnType<typeof slr>, account?: string) {
  const r = a('--json', 'show', 'licenses', ...(account ? ['--account', account] : []));
  return Object.fromEntries(
    r
      .json<{ licenses: { account: string; short: string; purchased: number; reserved: number; inTransition: number; available: number }[] }>()
      .licenses.map((l) => [`${l.account}/${l.short}`, [l.purchased, l.reserved, l.inTransition, l.available]]),
  );
}

describe('slr authority and slr device, each with its own --home, passing files', () => {
  it('reserve → install → update up and down → confirmation → remove with the return code', () => {
    const { a, ok, usb, device } = world();
    ok(a('license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '10'));
    ok(
      a(
        'license',
        'add',
        '--account',
        'Default',
        '--tag',
        'regid.2016-07.com.cisco.UCM_Enhanced,12.0_66d0d1cf-4863-4761-91d0-d01d3eb1949a',
        '--count',
        '5',
        '--type',
        'TERM',
        '--start',
        '2026-01-01',
        '--end',
        '2026-12-31',
      ),
    );
    const dev = device();
    expect(statSync(join(dev.home, 'product-instance.json')).mode & 0o777).toBe(0o600);

    const reserved = ok(
      a('reserve', '--account', 'Default', '--request', dev.request, '--license', 'UCM_Basic=4', '--license', 'UCM_Enhanced=2', '--out', usb),
    );
    expect(readdirSync(usb)).toContain(`${dev.sn}-authorization.txt`);
    // With --out the code goes to the file only: stdout stays empty, what happened is on stderr.
    expect(reserved.stdout).toBe('');
    expect(reserved.stderr).toContain(`written to ${join(usb, `${dev.sn}-authorization.txt`)}`);
    expect(licenses(a)).toEqual({ 'Default/UCM_Basic': [10, 4, 0, 6], 'Default/UCM_Enhanced': [5, 2, 0, 3] });
    expect(dev.install().issued).toBeNull();
    expect(ok(dev.d('show', 'license', 'status')).stdout).toContain('Registration Status: Registered - Specific License Reservation');

    // Up: blocks at once.
    ok(a('update', '--instance', dev.sn, '--license', 'UCM_Basic=7', '--out', usb));
    expect(licenses(a)['Default/UCM_Basic']).toEqual([10, 7, 0, 3]);
    const c1 = dev.install().issued!;
    expect(c1.kind).toBe('confirmation');
    ok(a('confirm', '--instance', dev.sn, c1.code));

    // Down: what is freed stays in transition until the confirmation code comes.
    ok(a('update', '--instance', dev.sn, '--license', 'UCM_Basic=1', '--license', 'UCM_Enhanced=0', '--out', usb));
    expect(licenses(a)).toEqual({ 'Default/UCM_Basic': [10, 1, 6, 3], 'Default/UCM_Enhanced': [5, 0, 2, 3] });
    const c2 = dev.install().issued!;
    // The older confirmation code was already entered: a replay is refused (and counted), releasing nothing.
    const replayed = a('confirm', '--instance', dev.sn, c1.code);
    expect(replayed.status).toBe(1);
    expect(replayed.stderr).toContain('already entered');
    expect(licenses(a)['Default/UCM_Basic']).toEqual([10, 1, 6, 3]);
    const confirmed = ok(a('--json', 'confirm', '--instance', dev.sn, c2.code)).json<{ released: number }>();
    expect(confirmed.released).toBe(8);
    expect(licenses(a)).toEqual({ 'Default/UCM_Basic': [10, 1, 0, 9], 'Default/UCM_Enhanced': [5, 0, 0, 5] });

    const ret = ok(dev.d('--json', 'license', 'smart', 'reservation', 'return')).json<Issued>().issued.code;
    writeFileSync(join(usb, `${dev.sn}-return.txt`), ret);
    ok(a('remove', '--instance', dev.sn, '--return-code', `@${join(usb, `${dev.sn}-return.txt`)}`));
    expect(licenses(a)).toEqual({ 'Default/UCM_Basic': [10, 0, 0, 10], 'Default/UCM_Enhanced': [5, 0, 0, 5] });
    expect(ok(a('show', 'instances')).stdout).toContain('No product instances.');
    const events = ok(a('show', 'events')).stdout;
    for (const type of ['init', 'license-add', 'reserve', 'update', 'confirm', 'remove']) expect(events).toContain(type);
  });

  it('return-authorization: a code never installed goes back to the pool', () => {
    const { a, ok, usb, device } = world();
    ok(a('license', 'add', '--account', 'Default', '--tag', 'UCM_CUWL', '--count', '3'));
    const dev = device();
    ok(a('reserve', '--account', 'Default', '--request', dev.request, '--license', 'UCM_CUWL=3', '--out', usb));
    const code = readFileSync(join(usb, `${dev.sn}-authorization.txt`), 'utf8');
    const ret = ok(dev.d('--json', 'license', 'smart', 'reservation', 'return-authorization', code)).json<Issued>().issued.code;
    expect(licenses(a)['Default/UCM_CUWL']).toEqual([3, 3, 0, 0]);
    ok(a('remove', '--instance', dev.sn, '--return-code', ret));
    expect(licenses(a)['Default/UCM_CUWL']).toEqual([3, 0, 0, 3]);
  });

  it('rehost licenses from a failed product: the new device gets them, the failed one can no longer return', () => {
    const { a, ok, usb, device } = world();
    ok(a('license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '5'));
    const old = device();
    ok(a('reserve', '--account', 'Default', '--request', old.request, '--license', 'UCM_Basic=5', '--out', usb));
    old.install();
    const oldReturn = ok(old.d('--json', 'license', 'smart', 'reservation', 'return')).json<Issued>().issued.code;
    const fresh = device();
    expect(a('rehost', '--instance', old.sn, '--request', fresh.request).stderr).toContain('--reason');
    ok(a('rehost', '--instance', old.sn, '--request', fresh.request, '--reason', 'disk failure, RMA 1234', '--out', usb));
    expect(fresh.install().issued).toBeNull();
    expect(ok(fresh.d('show', 'license', 'usage')).stdout).toMatch(/UCM_Basic\s+0\s+5/);
    expect(licenses(a)['Default/UCM_Basic']).toEqual([5, 5, 0, 0]);
    const refused = a('remove', '--instance', old.sn, '--return-code', oldReturn);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('whose licenses were rehosted to another device');
    expect(refused.status).toBe(1);
    expect(ok(a('show', 'events')).stdout).toContain('Reason: disk failure, RMA 1234');
  });

  it('transfer a product instance (its licenses move with it) and licenses between virtual accounts', () => {
    const { a, ok, usb, device } = world();
    ok(a('account', 'add', 'Lab'));
    ok(a('license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '8'));
    const dev = device();
    ok(a('reserve', '--account', 'Default', '--request', dev.request, '--license', 'UCM_Basic=3', '--out', usb));
    ok(a('transfer', '--instance', dev.sn, '--to', 'Lab'));
    expect(licenses(a)).toEqual({ 'Default/UCM_Basic': [5, 0, 0, 5], 'Lab/UCM_Basic': [3, 3, 0, 0] });
    ok(a('transfer-licenses', '--from', 'Default', '--to', 'Lab', '--tag', 'UCM_Basic', '--count', '2'));
    expect(licenses(a)).toEqual({ 'Default/UCM_Basic': [3, 0, 0, 3], 'Lab/UCM_Basic': [5, 3, 0, 2] });
    const tooMany = a('transfer-licenses', '--from', 'Lab', '--to', 'Default', '--tag', 'UCM_Basic', '--count', '3');
    expect(tooMany.status).toBe(1);
    expect(tooMany.stderr).toContain('has 2 UCM_Basic available');
    expect(ok(a('show', 'instances', '--account', 'Lab')).stdout).toContain(dev.sn);
    // The name the list prints names the instance too (of that product only).
    const name = /UDI_PID UCM; UDI_SN [0-9a-f]{5}/.exec(ok(a('show', 'instances')).stdout)![0];
    expect(ok(a('code', '--instance', name)).stderr).toContain(`Authorization code for P:UCM,S:${dev.sn},`);
    expect(a('code', '--instance', name.replace('UCM', 'CUC')).status).toBe(1);
  });

  it('refuses a shortfall, offering the higher tiers that could stand in (never substituting silently)', () => {
    const { a, ok, device } = world();
    ok(a('license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '2'));
    ok(a('license', 'add', '--account', 'Default', '--tag', 'UCM_CUWL', '--count', '4'));
    const dev = device();
    const r = a('reserve', '--account', 'Default', '--request', dev.request, '--license', 'UCM_Basic=5');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Not enough UCM_Basic');
    expect(r.stderr).toContain('UCM_CUWL (4 available)');
    expect(r.stderr).toContain('--license UCM_CUWL=3');
    expect(licenses(a)['Default/UCM_Basic']).toEqual([2, 0, 0, 2]);
    expect(a('reserve', '--account', 'Default', '--request', dev.request, '--license', 'CUC_BasicMessaging=1').stderr).toContain(
      'not of Unified Communications Manager',
    );
  });

  it('locks an instance after 5 wrong codes in a row, until an administrator unlocks it', () => {
    const { a, ok, usb, device } = world();
    ok(a('license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '5'));
    const dev = device();
    const other = device();
    ok(a('reserve', '--account', 'Default', '--request', dev.request, '--license', 'UCM_Basic=2', '--out', usb));
    ok(a('reserve', '--account', 'Default', '--request', other.request, '--license', 'UCM_Basic=1', '--out', usb));
    dev.install();
    other.install();
    const otherReturn = ok(other.d('--json', 'license', 'smart', 'reservation', 'return')).json<Issued>().issued.code;
    // A typo is caught before anything and does not count.
    expect(a('remove', '--instance', dev.sn, '--return-code', 'AAAAA').stderr).toContain('return code has 5 characters');
    const wrong = a('remove', '--instance', dev.sn, '--return-code', otherReturn);
    expect(wrong.stderr).toContain(`from the device with serial number ${other.sn}`);
    expect(wrong.stderr).toContain('1 of 5 wrong codes');
    for (let i = 2; i <= 5; i++) a('confirm', '--instance', dev.sn, makeConfirmationCode(new Uint8Array(32).fill(i), { ran: 0, anchors: 0 }));
    const locked = a('remove', '--instance', dev.sn, '--return-code', otherReturn);
    expect(locked.stderr).toContain('locked after 5 wrong codes');
    const ret = ok(dev.d('--json', 'license', 'smart', 'reservation', 'return')).json<Issued>().issued.code;
    expect(a('remove', '--instance', dev.sn, '--return-code', ret).stderr).toContain('locked');
    ok(a('unlock', '--instance', dev.sn));
    ok(a('remove', '--instance', dev.sn, '--return-code', ret));
    expect(ok(a('show', 'events')).stdout).toMatch(/unlock/);
    ok(a('remove', '--instance', other.sn, '--return-code', otherReturn));
  });

  it('rotates signing keys without breaking installed codes', () => {
    const { a, ok, usb, device } = world();
    ok(a('license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '5'));
    const dev = device();
    ok(a('reserve', '--account', 'Default', '--request', dev.request, '--license', 'UCM_Basic=2', '--out', usb));
    dev.install();
    const oldKey = ok(a('--json', 'key', 'list')).json<{ keys: { id: string }[] }>().keys[0]!.id;
    const newKey = ok(a('--json', 'key', 'add')).json<{ keyId: string }>().keyId;
    ok(a('key', 'retire', oldKey));
    expect(a('key', 'retire', newKey).stderr).toContain('only active key');
    // The installed code (old key) still returns; a new code needs the new key trusted first.
    ok(a('update', '--instance', dev.sn, '--license', 'UCM_Basic=3', '--out', usb));
    const untrusted = dev.d('license', 'smart', 'reservation', 'install-file', join(usb, `${dev.sn}-authorization.txt`));
    expect(untrusted.status).toBe(1);
    expect(untrusted.stderr).toContain("made for this device's current request, but its signature does not verify with the keys this device trusts");
    ok(a('key', 'export', '--out', join(usb, 'new.pem')));
    ok(dev.d('license', 'trust', 'add', join(usb, 'new.pem')));
    const conf = dev.install().issued!.code;
    ok(a('confirm', '--instance', dev.sn, conf));
    const ret = ok(dev.d('--json', 'license', 'smart', 'reservation', 'return')).json<Issued>().issued.code;
    ok(a('remove', '--instance', dev.sn, '--return-code', ret));
  });

  it('gives precise errors for bad command lines and missing set-up', () => {
    const auth = tmp('bare');
    const r = slr(auth, ['authority', 'show', 'licenses']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('No license authority in');
    const { a } = world();
    expect(a('reserve', '--account', 'Default').status).toBe(2);
    expect(a('reserve', '--account', 'Default', '--request', 'x', '--license', 'UCM_Basic').stderr).toContain('--license takes TAG=N');
    expect(a('license', 'add', '--account', 'Nope', '--tag', 'UCM_Basic', '--count', '1').stderr).toContain('There is no virtual account "Nope"');
    expect(
      a('license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '1', '--type', 'TERM', '--start', '2026-02-30', '--end', '2026-12-01')
        .stderr,
    ).toContain('not a calendar date');
    expect(
      a('license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '1', '--type', 'TERM', '--start', '2020-01-01', '--end', '2020-12-31')
        .stderr,
    ).toContain('The TERM ended on 2020-12-31');
    expect(a('confirm', '--instance', 'zzz', 'ABC').stderr).toContain('neither a UDI');
    expect(a('init', '--account', 'Again').stderr).toContain('already set up');
    expect(a('--json', 'frob').json()).toMatchObject({ ok: false, error: { code: 'usage' } });
  });
});
