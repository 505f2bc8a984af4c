// Unified CM's secure SIP trunk (issue 27; the seeds: "You cannot deploy a secure SIP trunk while running with a
// 90-day evaluation period"), with the real `slr`: a non-secure trunk is a device like any (refused only under
// enforcement); a secure one needs export-controlled functionality, never in evaluation; once deployed it stays
// when the allowance ends, with SmartLicenseExportControlNotAllowed raised until it is removed. Bad command lines
// exit 2; refusals exit 1 and change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { slrAsync } from './helpers/cli.ts';
import { ok, refusedWith as refused } from './helpers/cli-expect.ts';
import { keyFileOf, startServer, type TestServer } from './helpers/server.ts';

const T = Date.UTC(2026, 10, 2, 8);
const DAY = 86_400_000;

let s: TestServer;
let keyFile: string;
beforeAll(async () => {
  s = await startServer('sqlite', T, null);
  keyFile = await keyFileOf(s);
  await s.ledger.addLicenses({ account: 'Lab', tag: 'UCM_Export_Key', count: 2 }, T);
});
afterAll(async () => s?.stop());

async function device(pid: string, at = T) {
  const home = mkdtempSync(join(tmpdir(), 'slr-trunk-device-'));
  let now = at;
  const run = (...args: string[]) => slrAsync(home, args, new Date(now).toISOString());
  expect((await run('init', '--pid', pid, '--trust', keyFile)).status).toBe(0);
  const trunks = async () => (await run('--json', 'show', 'sip-trunks')).json<{ sipTrunks: { name: string; secure: boolean }[] }>().sipTrunks;
  const alarms = async () =>
    (await run('--json', 'show', 'alarms')).json<{ alarms: { name: string; clearedAt: number | null; text: string }[]; active: number }>();
  return { run, trunks, alarms, later: (ms: number) => (now += ms) };
}

describe('SIP trunks', () => {
  it('refuses a secure trunk in evaluation and without the export key; allows it with the key reserved; alarms when the key goes', async () => {
    const d = await device('UCM');
    expect(ok(await d.run('sip-trunk', 'add', 'PSTN-1')).stdout).toBe('SIP trunk "PSTN-1" added.\n');
    refused(await d.run('sip-trunk', 'add', 'PSTN-1'), /exists already/);
    ok(await d.run('license', 'usage', 'UCM_Basic', '2'));
    refused(
      await d.run('sip-trunk', 'add', 'SEC-1', '--secure'),
      /cannot be deployed: the product instance is in Evaluation Mode\. It needs export-controlled functionality \(never in the 90-day evaluation period\)/,
    );
    expect(await d.trunks()).toEqual([expect.objectContaining({ name: 'PSTN-1', secure: false })]);

    ok(await d.run('license', 'smart', 'reservation', 'enable'));
    const request = ok(await d.run('--json', 'license', 'smart', 'reservation', 'request')).json<{ issued: { code: string } }>().issued.code;
    const reserved = await s.ledger.reserve({ account: 'Lab', request, licenses: { UCM_Export_Key: 1, UCM_Basic: 2 } }, s.now);
    ok(await d.run('license', 'smart', 'reservation', 'install', reserved.code));
    expect(ok(await d.run('sip-trunk', 'add', 'SEC-1', '--secure')).stdout).toMatch(/^Secure SIP trunk "SEC-1" added\./);
    expect(ok(await d.run('show', 'sip-trunks')).stdout).toMatch(/PSTN-1\s+no\s+[\s\S]*SEC-1\s+yes/);
    expect(ok(await d.run('show', 'sip-trunks', '--csv')).stdout.split(/\r?\n/)[0]).toBe('Name,Secure,Added');
    expect((await d.alarms()).active).toBe(0);

    // The key returned: the secure trunk stays, and the alarm says to remove it; removing it clears the alarm.
    ok(await d.run('license', 'smart', 'reservation', 'return'));
    const raised = await d.alarms();
    expect(raised.alarms).toEqual([
      expect.objectContaining({
        name: 'SmartLicenseExportControlNotAllowed',
        clearedAt: null,
        text: expect.stringMatching(/Secure SIP trunks "SEC-1" are deployed[\s\S]*sip-trunk remove/),
      }),
    ]);
    expect(await d.trunks()).toHaveLength(2);
    refused(await d.run('sip-trunk', 'remove', 'Nobody'), /No SIP trunk is named "Nobody"[\s\S]*SIP trunks: PSTN-1, SEC-1/);
    expect(ok(await d.run('sip-trunk', 'remove', 'sec-1')).stdout).toMatch(/Secure SIP trunk "SEC-1" removed\./);
    expect((await d.alarms()).active).toBe(0);
    expect(ok(await d.run('show', 'license', 'events')).stdout).toMatch(/sip-trunk-add[\s\S]*alarm-raised[\s\S]*sip-trunk-remove[\s\S]*alarm-cleared/);
  });

  it('refuses any trunk under enforcement, on Unity Connection, and bad command lines (exit 2), changing nothing', async () => {
    const d = await device('UCM');
    ok(await d.run('license', 'usage', 'UCM_Basic', '1'));
    d.later(91 * DAY);
    refused(await d.run('sip-trunk', 'add', 'PSTN-2'), /The SIP trunk cannot be added: The 90-day evaluation period has expired/);
    for (const line of [
      ['sip-trunk', 'add'],
      ['sip-trunk', 'add', 'A', 'B'],
      ['sip-trunk', 'remove', 'A', '--secure'],
      ['sip-trunk', 'add', 'A', '--bogus'],
      ['sip-trunk', 'list'],
      ['show', 'sip-trunks', 'all'],
    ])
      expect((await d.run(...line)).status, line.join(' ')).toBe(2);
    refused(await d.run('sip-trunk', 'add', 'bad\u0007name'), /is not a trunk name/);
    expect(await d.trunks()).toEqual([]);
    const cuc = await device('CUC');
    refused(await cuc.run('sip-trunk', 'add', 'X'), /is Cisco Unity Connection: SIP trunks are Unified CM's|SIP trunks are Unified CM's/);
  });
});
