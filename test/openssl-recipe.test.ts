// The openssl recipe (docs/codes.md) (issue 29), taken from that page and run as written with the real openssl, on a code
// signed after two key rotations with the key file `slr authority key export` writes: "Verified OK"; the same
// code altered: "Verification failure". The integrator's check must keep working however often keys rotate.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { slr } from './helpers/cli.ts';
import { scratchDirs } from './helpers/scratch.ts';

const scratch = scratchDirs('slr-openssl-recipe-');

describe('The openssl recipe (docs/codes.md)', () => {
  it('verifies a code signed after key rotations with the exported key file, and refuses it altered', () => {
    const dir = scratch();
    const [lc, dev] = [join(dir, 'lc'), join(dir, 'dev')];
    const ok = (home: string, args: string[]) => {
      const r = slr(home, args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r;
    };
    ok(lc, ['authority', 'init', '--account', 'Acme']);
    ok(lc, ['authority', 'license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '5']);
    ok(lc, ['authority', 'key', 'export', '--out', join(dir, 'first.pem')]);
    ok(dev, ['init', '--pid', 'UCM', '--trust', join(dir, 'first.pem')]);
    for (let i = 0; i < 2; i++) ok(lc, ['authority', 'key', 'add']);
    ok(lc, ['authority', 'key', 'export', '--out', join(dir, 'license-central.pem')]);
    expect(readFileSync(join(dir, 'license-central.pem'), 'utf8').match(/BEGIN PUBLIC KEY/g)).toHaveLength(3);
    ok(dev, ['license', 'smart', 'reservation', 'enable']);
    const request = ok(dev, ['license', 'smart', 'reservation', 'request']).stdout.trim();
    const code = ok(lc, ['authority', 'reserve', '--account', 'Default', '--request', request, '--license', 'UCM_Basic=2']).stdout.trim();
    // The device takes the new key file (its endorsements lead from the key it was provisioned with), then the code.
    ok(dev, ['license', 'trust', 'add', join(dir, 'license-central.pem')]);
    ok(dev, ['license', 'smart', 'reservation', 'install', code]);

    const page = readFileSync(new URL('../docs/codes.md', import.meta.url), 'utf8');
    const recipe = /Anyone can check a code[\s\S]*?```sh\n([\s\S]*?)```/.exec(page)![1]!;
    const check = (text: string) => {
      writeFileSync(join(dir, 'code.txt'), text);
      return spawnSync('sh', ['-c', recipe], { cwd: dir, encoding: 'utf8' });
    };
    // As an operator pastes it: wrapped, indented, inside the install command.
    const r = check(`license smart reservation install "${code.replace(/(.{64})/g, '$1\n  ')}"`);
    expect(r.stdout + r.stderr).toContain('Verified OK');
    const altered = check(code.replace('<count>2</count>', '<count>20</count>'));
    expect(altered.status).not.toBe(0);
    expect(altered.stdout + altered.stderr).toContain('Verification failure');
    // The oldest key of the file does not verify it: the recipe takes the last.
    copyFileSync(join(dir, 'first.pem'), join(dir, 'signing-key.pem'));
    const first = spawnSync(
      'sh',
      [
        '-c',
        recipe
          .split('\n')
          .filter((l) => !l.startsWith('awk'))
          .join('\n'),
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(first.stdout + first.stderr).toContain('Verification failure');
    expect(readdirSync(dir)).toContain('signed.bin');
  });
});
