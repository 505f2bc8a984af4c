// Encryption and its alarms (issue 27), with the real `slr` and License Central's server over loopback:
// Unity Connection's `utils cuc encryption enable|disable` and Unified CM's `utils ctl set-cluster
// mixed-mode|non-secure-mode` refused in evaluation and without export-controlled functionality (a token that
// allows it and the export key requested, or the export key reserved under SLR); left on when that ends, as
// the seeds say, with the product's alarm raised (`show alarms`), and cleared when turned off.
import { unusedPort } from './helpers/ports.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { slrAsync } from './helpers/cli.ts';
import { ok, refusedWith as refused } from './helpers/cli-expect.ts';
import { keyFileOf, startServer, type TestServer } from './helpers/server.ts';

const T = Date.UTC(2026, 10, 2, 8);
const DAY = 86_400_000;
const CUC_KEY = 'CUC_Export_Restricted_Authorization_Key';

let s: TestServer;
let keyFile: string;
let closedPort: number;
beforeAll(async () => {
  s = await startServer('sqlite', T, null);
  keyFile = await keyFileOf(s);
  await s.ledger.setExportControl(true, 'export licence EL-7 on file', T);
  await s.ledger.addLicenses({ account: 'Lab', tag: 'CUC_Export_Key', count: 2 }, T);
  await s.ledger.addLicenses({ account: 'Lab', tag: 'UCM_Export_Key', count: 2 }, T);
  closedPort = await unusedPort();
});
afterAll(async () => s?.stop());

async function device(pid: string) {
  const home = mkdtempSync(join(tmpdir(), 'slr-security-device-'));
  const run = (...args: string[]) => slrAsync(home, args, new Date(s.now).toISOString());
  expect((await run('init', '--pid', pid, '--trust', keyFile)).status).toBe(0);
  const alarms = async () =>
    (await run('show', 'alarms', '--json')).json<{ alarms: { name: string; clearedAt: number | null; text: string }[]; active: number }>();
  return { run, alarms };
}
const token = async (exportControlled: boolean) =>
  (await s.ledger.createToken({ account: 'Lab', server: s.url, fingerprint: s.fingerprint, exportControlled }, s.now)).token;

describe('encryption and alarms', () => {
  it('Unity Connection: encryption refused in evaluation and without the export key; on after the key; left on at deregistration with its alarm; off clears it', async () => {
    const d = await device('CUC');
    refused(await d.run('utils', 'cuc', 'encryption', 'enable'), /Encryption cannot be enabled: it is not registered, and no reservation is installed/);
    ok(await d.run('license', 'usage', 'CUC_BasicMessaging', '3'));
    refused(await d.run('utils', 'cuc', 'encryption', 'enable'), /Encryption cannot be enabled: the product instance is in Evaluation Mode/);
    ok(await d.run('license', 'smart', 'register', 'idtoken', await token(false)));
    refused(await d.run('utils', 'cuc', 'encryption', 'enable'), /token did not allow export-controlled functionality/);
    ok(await d.run('license', 'smart', 'register', 'idtoken', await token(true), 'force'));
    refused(
      await d.run('utils', 'cuc', 'encryption', 'enable'),
      /export authorization key was not requested \(license smart export request local CUC_Export_Restricted_Authorization_Key\)/,
    );
    ok(await d.run('license', 'smart', 'export', 'request', 'local', CUC_KEY));
    expect(ok(await d.run('utils', 'cuc', 'encryption', 'enable')).stdout).toMatch(/Encryption enabled/);
    expect(ok(await d.run('show', 'license', 'status')).stdout).toMatch(/Security: encryption ENABLED since/);
    expect((await d.alarms()).active).toBe(0);
    // Deregistered: encryption stays on, and the alarm says to turn it off.
    ok(await d.run('license', 'smart', 'deregister'));
    expect(ok(await d.run('show', 'license', 'status')).stdout).toMatch(/Security: encryption ENABLED[\s\S]*ALARM EncryptionNotAllowed \(Critical/);
    const raised = await d.alarms();
    expect(raised.alarms).toEqual([
      expect.objectContaining({ name: 'EncryptionNotAllowed', clearedAt: null, text: expect.stringMatching(/utils cuc encryption disable/) }),
    ]);
    expect(ok(await d.run('show', 'alarms', '--csv')).stdout.split(/\r?\n/)[0]).toBe('Name,Severity,State,Raised,Cleared,What to do');
    ok(await d.run('utils', 'cuc', 'encryption', 'disable'));
    const cleared = await d.alarms();
    expect(cleared.active).toBe(0);
    expect(cleared.alarms[0]?.clearedAt).toEqual(expect.any(Number));
    expect(ok(await d.run('show', 'alarms')).stdout).toMatch(/EncryptionNotAllowed\s+Critical\s+cleared/);
    expect(ok(await d.run('show', 'license', 'events')).stdout).toMatch(/alarm-raised[\s\S]*alarm-cleared/);
  });

  it('raises the alarm when the registration expires (License Central out of reach a year) with encryption on', async () => {
    const d = await device('CUC');
    ok(await d.run('license', 'smart', 'register', 'idtoken', await token(true)));
    ok(await d.run('license', 'smart', 'export', 'request', 'local', CUC_KEY));
    ok(await d.run('utils', 'cuc', 'encryption', 'enable'));
    ok(await d.run('license', 'smart', 'transport', 'gateway', `https://127.0.0.1:${closedPort}`));
    s.now += 200 * DAY;
    expect((await d.alarms()).active).toBe(0);
    s.now += 200 * DAY;
    const after = await d.alarms();
    expect(after.active).toBe(1);
    expect(after.alarms[0]!.text).toMatch(/registration is Registration Expired/);
    s.now -= 400 * DAY;
  });

  it('Unified CM: mixed mode under its own command names, allowed by the export key reserved under SLR, and SmartLicenseExportControlNotAllowed once it is returned', async () => {
    const d = await device('UCM');
    refused(
      await d.run('utils', 'cuc', 'encryption', 'enable'),
      /is Unified Communications Manager: `slr utils cuc encryption enable` is not its command[\s\S]*Use `slr utils ctl set-cluster mixed-mode`/,
    );
    expect((await d.run('utils', 'ctl', 'set-cluster', 'secure')).status).toBe(2);
    ok(await d.run('license', 'smart', 'reservation', 'enable'));
    const request = ok(await d.run('--json', 'license', 'smart', 'reservation', 'request')).json<{ issued: { code: string } }>().issued.code;
    const reserved = await s.ledger.reserve({ account: 'Lab', request, licenses: { UCM_Export_Key: 1, UCM_Basic: 1 } }, s.now);
    ok(await d.run('license', 'smart', 'reservation', 'install', reserved.code));
    expect(ok(await d.run('utils', 'ctl', 'set-cluster', 'mixed-mode')).stdout).toMatch(/Mixed mode \(secure mode\) enabled/);
    ok(await d.run('license', 'smart', 'reservation', 'return'));
    const raised = await d.alarms();
    expect(raised.alarms.map((a) => [a.name, a.clearedAt])).toEqual([['SmartLicenseExportControlNotAllowed', null]]);
    expect(raised.alarms[0]!.text).toMatch(/utils ctl set-cluster non-secure-mode/);
    ok(await d.run('utils', 'ctl', 'set-cluster', 'non-secure-mode'));
    expect((await d.alarms()).active).toBe(0);
  });
});
