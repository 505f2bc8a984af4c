/**
 * Session Management Edition (issue 27, its last row): a third product, `init --pid SME`, reserved and
 * registered by Unified CM's processes and licenses, into Unified CM's virtual account or its own, and only
 * with its minimal set (ours, as data in the catalog: at least one UC Manager Basic or higher). Below it, a
 * reservation, an update or an online registration is refused naming what is missing.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { slr } from './helpers/cli.ts';
import { makeDevice } from './helpers/world.ts';
import { registerInput } from './helpers/register.ts';
import { openLedger } from '../electron/authority/ledger.ts';
import { minimalSetShortfall, productById } from '../shared/catalog.ts';

const T = Date.UTC(2026, 8, 1, 9);

describe('Session Management Edition', () => {
  it('has its minimal set as data, met by a higher license of the group', () => {
    const sme = productById('SME')!;
    expect(sme.minimalSet).toEqual({ UCM_Basic: 1 });
    expect(minimalSetShortfall(sme, { UCM_Essential: 4 })).toEqual(['1 × UC Manager Basic License (12.x) or higher (0 given)']);
    expect(minimalSetShortfall(sme, { UCM_Enhanced: 1 })).toEqual([]);
    expect(minimalSetShortfall(productById('UCM')!, {})).toEqual([]);
  });

  it('is reserved through the CLI on both sides only with its minimal set, and an update may not go below it', () => {
    const root = mkdtempSync(join(tmpdir(), 'slr-sme-'));
    let t = T;
    const a = (...args: string[]) => slr(join(root, 'lc'), ['authority', ...args], (t += 60_000));
    const d = (...args: string[]) => slr(join(root, 'sme'), args, (t += 60_000));
    expect(a('init', '--account', 'Acme').status).toBe(0);
    for (const [tag, n] of [
      ['UCM_Essential', '5'],
      ['UCM_Enhanced', '2'],
    ])
      expect(a('license', 'add', '--account', 'Default', '--tag', tag!, '--count', n!).status).toBe(0);
    expect(a('key', 'export', '--out', join(root, 'lc.pem')).status).toBe(0);
    expect(d('init', '--pid', 'SME', '--trust', join(root, 'lc.pem')).status).toBe(0);
    expect(d('show', 'license', 'udi').stdout).toMatch(/P:SME,S:[0-9a-f]{5},U:/);
    expect(d('license', 'smart', 'reservation', 'enable').status).toBe(0);
    const request = d('license', 'smart', 'reservation', 'request').stdout.trim();

    const short = a('reserve', '--account', 'Default', '--request', request, '--license', 'UCM_Essential=3');
    expect(short.status).not.toBe(0);
    expect(short.stderr).toMatch(
      /Session Management Edition needs at least its minimal set of licenses; missing: 1 × UC Manager Basic License \(12\.x\) or higher \(0 given\)/,
    );
    // Nothing was reserved by the refusal: the request is still good.
    const code = a('reserve', '--account', 'Default', '--request', request, '--license', 'UCM_Essential=3', '--license', 'UCM_Enhanced=1');
    expect(code.status, code.stderr).toBe(0);
    expect(d('license', 'smart', 'reservation', 'install', code.stdout.trim()).status).toBe(0);
    const sn = /S:([0-9a-f]{5})/.exec(d('show', 'license', 'udi').stdout)![1]!;
    const below = a('update', '--instance', sn, '--license', 'UCM_Enhanced=0');
    expect(below.status).not.toBe(0);
    expect(below.stderr).toMatch(/missing: 1 × UC Manager Basic License \(12\.x\) or higher \(0 given\)/);
    expect(a('update', '--instance', sn, '--license', 'UCM_Enhanced=2').status).toBe(0);
    expect(a('--json', 'show', 'instances').json<{ instances: { productType: string }[] }>().instances[0]!.productType).toBe('SME');
  });

  it('registers online only into a virtual account that holds its minimal set', async () => {
    const ledger = await openLedger({ dir: mkdtempSync(join(tmpdir(), 'slr-sme-online-')), actor: 'test' }, true);
    await ledger.init('Acme', T);
    await ledger.addAccount('Core', T);
    await ledger.addLicenses({ account: 'Default', tag: 'UCM_Essential', count: 9 }, T);
    await ledger.addLicenses({ account: 'Core', tag: 'UCM_EnhancedPlus', count: 1 }, T);
    const keyIds = (await ledger.keys()).map((k) => k.id);
    const token = async (account: string) => (await ledger.createToken({ account, server: 'https://lc:8443', fingerprint: `${'AB:'.repeat(31)}AB` }, T)).token;
    const sme = makeDevice('SME', T);
    const refused = await ledger.register(registerInput(sme, await token('Default'), { trustedKeyIds: keyIds }), T + 1000).then(
      () => null,
      (e: { code: string; message: string }) => e,
    );
    expect(refused?.code).toBe('minimal-set');
    expect(refused?.message).toMatch(/virtual account "Default" lacks: 1 × UC Manager Basic License \(12\.x\) or higher/);
    const ok = await ledger.register(registerInput(sme, await token('Core'), { trustedKeyIds: keyIds }), T + 2000);
    expect(ok.account).toBe('Core');
    // Unified CM has no minimal set: it registers where SME could not.
    expect((await ledger.register(registerInput(makeDevice('UCM', T), await token('Default'), { trustedKeyIds: keyIds }), T + 3000)).account).toBe('Default');
    await ledger.close();
  });
});
