// Satellites through the CLI (issue 28): a parent and a satellite home, the files carried between them by
// path, as an operator would; exit codes as README states them (1 refused, nothing changed; 2 bad command line).
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { qrTexts } from '../shared/codes/qr-parts.ts';
import { slr, slrAsync } from './helpers/cli.ts';
import { scratchDirs } from './helpers/scratch.ts';

const scratch = scratchDirs('slr-satellite-cli-');
const NOW = '2026-01-15T12:00:00Z';

describe('slr authority satellite / sync', () => {
  it('enrols, allocates and synchronises by files; refuses what it must with the documented exit codes', () => {
    const dir = scratch();
    const parent = join(dir, 'parent');
    const sat = join(dir, 'sat');
    const usb = (f: string) => join(dir, f);
    const ok = (home: string, args: string[]) => {
      const r = slr(home, args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r;
    };
    ok(parent, ['authority', 'init', '--account', 'Org']);
    ok(parent, ['authority', 'license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '10']);
    ok(sat, ['authority', 'init', '--account', 'Org']);
    ok(parent, ['authority', 'satellite', 'add', 'Plant 4', '--out', usb('enrol.json')]);
    expect(statSync(usb('enrol.json')).mode & 0o777).toBe(0o600);
    ok(sat, ['authority', 'satellite', 'enrol', usb('enrol.json'), '--out', usb('reply.json')]);
    ok(parent, ['authority', 'sync', 'import', usb('reply.json'), '--out', usb('a0.json')]);
    ok(sat, ['authority', 'sync', 'import', usb('a0.json')]);
    expect(ok(parent, ['authority', 'satellite', 'allocate', 'Plant 4', '--account', 'Default', '--license', 'UCM_Basic=4']).stdout).toMatch(
      /UCM_Basic 0 -> 4/,
    );
    ok(sat, ['authority', 'sync', 'export', '--out', usb('')]);
    expect(existsSync(usb('sync-1.json'))).toBe(true);
    // The file's QR parts, scanned into a text file in any order, are taken as the file.
    writeFileSync(
      usb('sync-1-parts.txt'),
      qrTexts(readFileSync(usb('sync-1.json'), 'utf8').trim())
        .reverse()
        .join('\n'),
    );
    ok(parent, ['authority', 'sync', 'import', usb('sync-1-parts.txt'), '--out', usb('a1.json')]);
    expect(ok(sat, ['authority', 'sync', 'import', usb('a1.json')]).stdout).toMatch(/UCM_Basic in "Default" 0 -> 4/);
    expect(ok(sat, ['authority', 'show', 'licenses']).stdout).toMatch(/Default\s+UCM_Basic\s+2\s+-\s+4\s+0\s+0\s+4/);
    expect(ok(parent, ['authority', 'show', 'licenses']).stdout).toMatch(/Default\s+UCM_Basic\s+2\s+-\s+10\s+4\s+0\s+6/);
    const shown = ok(parent, ['--json', 'authority', 'show', 'satellites']).json<{ satellites: { name: string; filesApplied: number }[] }>();
    expect(shown.satellites).toEqual([expect.objectContaining({ name: 'Plant 4', filesApplied: 1 })]);
    expect(ok(sat, ['authority', 'show', 'satellites']).stdout).toMatch(/Satellite "Plant 4" of "Org".*\n.*Last answer applied: 2/);

    // The parent holds the satellite's events, as the satellite logged them.
    const held = ok(parent, ['--json', 'authority', 'show', 'events', '--satellite', 'plant 4']).json<{ events: { id: number; type: string }[] }>().events;
    const own = ok(sat, ['--json', 'authority', 'show', 'events']).json<{ events: { id: number; type: string }[] }>().events;
    expect(held.length).toBeGreaterThan(0);
    expect(held).toEqual(own.slice(0, held.length).map((e) => expect.objectContaining({ id: e.id, type: e.type })));
    expect(ok(parent, ['authority', 'show', 'events', '--satellite', 'Plant 4']).stdout).toContain(held[0]!.type);
    expect(slr(parent, ['authority', 'show', 'events', '--satellite', 'Nobody'])).toMatchObject({
      status: 1,
      stderr: expect.stringMatching(/No satellite is named "Nobody"/),
    });
    expect(slr(parent, ['authority', 'show', 'events', '--satellite', 'Plant 4', '--verify']).status).toBe(2);

    // Refused, nothing changed (exit 1): a replay, an altered file, the parent's work on the satellite.
    const replay = slr(parent, ['authority', 'sync', 'import', usb('sync-1.json'), '--out', usb('again.json')]);
    expect([replay.status, replay.stderr]).toEqual([1, expect.stringMatching(/applied already: nothing changed/)]);
    expect(existsSync(usb('again.json'))).toBe(false);
    writeFileSync(usb('altered.json'), readFileSync(usb('a1.json'), 'utf8').replace('\\"target\\":4', '\\"target\\":9'));
    expect(slr(sat, ['authority', 'sync', 'import', usb('altered.json')])).toMatchObject({ status: 1, stderr: expect.stringMatching(/does not verify/) });
    expect(slr(sat, ['authority', 'license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '1'])).toMatchObject({
      status: 1,
      stderr: expect.stringMatching(/satellite of "Org".*parent's to do/),
    });
    expect(slr(parent, ['authority', 'satellite', 'allocate', 'Plant 4', '--account', 'Default', '--license', 'UCM_Basic=11'])).toMatchObject({ status: 1 });
    writeFileSync(usb('junk.json'), '{"format":"slr-desk-sync/1"}');
    expect(slr(parent, ['authority', 'sync', 'import', usb('junk.json'), '--out', usb('x.json')])).toMatchObject({
      status: 1,
      stderr: expect.stringMatching(/not an SLR Desk sync file/),
    });
    // Bad command lines (exit 2): no --out for an answer, connected mode (not in this version), a bad count.
    expect(slr(parent, ['authority', 'sync', 'import', usb('sync-1.json')]).status).toBe(2);
    expect(slr(parent, ['authority', 'satellite', 'add', 'X', '--mode', 'connected', '--out', usb('x.json')]).status).toBe(2);
    expect(slr(parent, ['authority', 'satellite', 'add', 'X', '--interval', 'often', '--out', usb('x.json')]).status).toBe(2);
    expect(slr(parent, ['authority', 'satellite', 'allocate', 'Plant 4', '--account', 'Default', '--license', 'UCM_Basic']).status).toBe(2);
  });
});

describe('slr authority satellite / sync, connected', () => {
  it('enrols over the network, synchronises now and under serve by itself, and says why a round failed', async () => {
    const { openLedger } = await import('../electron/authority/ledger.ts');
    const { serve } = await import('../electron/server/serve.ts');
    const dir = scratch();
    const parent = join(dir, 'parent');
    const sat = join(dir, 'sat');
    const usb = (f: string) => join(dir, f);
    const ok = async (home: string, args: string[]) => {
      const r = await slrAsync(home, args, NOW);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r;
    };
    await ok(parent, ['authority', 'init', '--account', 'Org']);
    await ok(parent, ['authority', 'license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '10']);
    const setup = await openLedger({ dir: parent, actor: 'setup' });
    await setup.addUser({ name: 'admin', role: 'smart-account-admin', password: 'correct horse battery staple' }, Date.parse(NOW));
    await setup.close();
    const serving = await serve({ home: parent, listen: '127.0.0.1:0', clock: () => Date.parse(NOW) });
    try {
      expect((await slrAsync(parent, ['authority', 'satellite', 'add', 'Plant 4', '--mode', 'connected', '--out', usb('e.json')], NOW)).status).toBe(2);
      // The fingerprint is this home's own server certificate's, which serve made.
      await ok(parent, [
        'authority',
        'satellite',
        'add',
        'Plant 4',
        '--mode',
        'connected',
        '--server',
        serving.url,
        '--interval',
        '15',
        '--out',
        usb('e.json'),
      ]);
      await ok(parent, ['authority', 'satellite', 'allocate', 'Plant 4', '--account', 'Default', '--license', 'UCM_Basic=3']);
      await ok(sat, ['authority', 'init', '--account', 'Org']);
      const enrolled = await ok(sat, ['authority', 'satellite', 'enrol', usb('e.json')]);
      expect(enrolled.stdout).toMatch(
        /connected, every 15 minutes[\s\S]*The parent took the enrolment\. Synchronised: file 1 sent .*UCM_Basic in "Default" 0 -> 3/,
      );
      expect((await ok(sat, ['authority', 'sync', 'now'])).stdout).toMatch(/Synchronised: file 2 sent/);
      expect((await ok(sat, ['authority', 'show', 'satellites'])).stdout).toMatch(
        new RegExp(`Parent's server: ${serving.url} \\(pinned ${serving.fingerprint}\\); every 15 minutes`),
      );
      expect((await ok(parent, ['authority', 'show', 'satellites'])).stdout).toMatch(/Plant 4 {2}connected, enrolled; .*files applied 2/);
      expect((await slrAsync(parent, ['authority', 'sync', 'now'], NOW)).stderr).toMatch(/not a satellite/);
      await ok(parent, ['authority', 'satellite', 'add', 'Plant 5', '--mode', 'connected', '--server', serving.url, '--out', usb('e5.json')]);
    } finally {
      await serving.close();
    }
    // The parent is down: the round fails, says why and when it is tried again; nothing else changes.
    const down = await slrAsync(sat, ['authority', 'sync', 'now'], NOW);
    expect(down.status).not.toBe(0);
    expect(down.stderr).toMatch(/cannot be reached[\s\S]*Failed rounds in a row: 1; the next from[\s\S]*tries again by itself/);
    // Enrolled while the parent is down: enrolled (exit 0), the failed first round a warning, the reply sent later.
    const sat5 = join(dir, 'sat5');
    await ok(sat5, ['authority', 'init', '--account', 'Org']);
    const late = await ok(sat5, ['authority', 'satellite', 'enrol', usb('e5.json')]);
    expect([late.stdout, late.stderr]).toEqual([
      expect.stringMatching(/^Enrolled as satellite "Plant 5" of "Org"/),
      expect.stringMatching(/^Warning: Synchronising with the parent failed: .*cannot be reached/),
    ]);
    expect((await ok(sat5, ['authority', 'show', 'satellites'])).stdout).toMatch(/the enrolment reply is not yet taken by the parent/);
    expect((await ok(sat, ['authority', 'show', 'satellites'])).stdout).toMatch(/LAST ROUND FAILED \(1 in a row\)/);
    expect((await ok(sat, ['authority', 'show', 'licenses'])).stdout).toMatch(/Default\s+UCM_Basic\s+2\s+-\s+3\s+0\s+0\s+3/);

    // serve on the satellite runs its rounds by itself (timers injected): the first at start, as the back-off
    // after the failed round has passed by then.
    const satServing = await new Promise<{ close(): Promise<void>; satellite: unknown; ok: boolean }>((resolve, reject) => {
      const setupSat = openLedger({ dir: sat, actor: 'setup' }).then(async (l) => {
        await l.addUser({ name: 'admin', role: 'smart-account-admin', password: 'correct horse battery staple' }, Date.parse(NOW));
        await l.close();
      });
      let served: Awaited<ReturnType<typeof serve>> | null = null;
      const told: boolean[] = [];
      const done = () => served && told.length && resolve({ close: () => served!.close(), satellite: served.satellite, ok: told[0]! });
      setupSat
        .then(() =>
          serve({
            home: sat,
            listen: '127.0.0.1:0',
            clock: () => Date.parse(NOW) + 2 * 3_600_000,
            satellite: { timers: { set: () => ({ cancel: () => undefined }) }, onRound: (r) => (told.push(r.ok), done()) },
          }),
        )
        .then((s) => ((served = s), done()), reject);
    });
    expect(satServing.satellite).toEqual({ parent: 'Org', intervalMinutes: 15 });
    expect(satServing.ok).toBe(false);
    await satServing.close();
  });
});
