// Shell completion (issue 29), from the same tables as the help: the next word of a command or a command's
// options, for the device and License Central; bash's script, sourced in a real bash, completes with the real
// `slr`; zsh's and fish's scripts ask the same question.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { completions, COMPLETION_SCRIPTS, DEVICE_VALUE_OPTIONS } from '../electron/cli/completion.ts';
import { USAGE } from '../electron/cli/main.ts';
import { VALUE_OPTIONS, VERBS } from '../electron/cli/authority/authority-cli.ts';
import { SLR, slr } from './helpers/cli.ts';

const valueOptions = [...DEVICE_VALUE_OPTIONS, ...VALUE_OPTIONS];
const tables = { deviceUsage: USAGE.split('\n'), verbs: VERBS, valueOptions };
const complete = (current: string, ...typed: string[]) => completions(tables, typed, current);

describe('shell completion', () => {
  it("completes an option's value: the tables' choices, and the home ledger's accounts and instances, creating nothing", () => {
    const home = mkdtempSync(join(tmpdir(), 'slr-complete-values-'));
    // As the shell script asks: `slr __complete CURRENT WORDS…`, the home as typed on the command line.
    const ask = (...words: string[]) =>
      spawnSync(process.execPath, [SLR, '__complete', ...words], { encoding: 'utf8', env: { ...process.env, SLR_HOME: join(home, 'not-this-one') } })
        .stdout.split('\n')
        .filter(Boolean);
    expect(ask('', 'init', '--pid')).toEqual(['CUC', 'SME', 'UCM']);
    expect(ask('va', 'authority', 'user', 'add', 'x', '--role')).toEqual(['va-admin', 'va-user']);
    expect(ask('UCM_Enh', 'authority', 'reserve', '--license')).toEqual(['UCM_Enhanced=', 'UCM_EnhancedPlus=', 'UCM_Enhanced_VI=']);
    // No License Central here yet: nothing, and nothing made.
    expect(ask('', '--home', home, 'authority', 'reserve', '--account')).toEqual([]);
    expect(readdirSync(home)).toEqual([]);
    expect(slr(home, ['authority', 'init', '--account', 'Acme']).status).toBe(0);
    expect(slr(home, ['authority', 'account', 'add', 'Lab']).status).toBe(0);
    expect(slr(home, ['authority', 'account', 'add', 'Lisbon']).status).toBe(0);
    expect(ask('L', '--home', home, 'authority', 'transfer', '--to')).toEqual(['Lab', 'Lisbon']);
    expect(ask('', '--home', home, 'authority', 'update', '--instance')).toEqual([]);
    const dev = mkdtempSync(join(tmpdir(), 'slr-complete-dev-'));
    expect(slr(home, ['authority', 'key', 'export', '--out', join(dev, 'lc.pem')]).status).toBe(0);
    expect(slr(home, ['authority', 'license', 'add', '--account', 'Lab', '--tag', 'UCM_Basic', '--count', '3']).status).toBe(0);
    expect(slr(dev, ['init', '--pid', 'UCM', '--trust', join(dev, 'lc.pem')]).status).toBe(0);
    expect(slr(dev, ['license', 'smart', 'reservation', 'enable']).status).toBe(0);
    const request = slr(dev, ['license', 'smart', 'reservation', 'request']).stdout.trim();
    expect(slr(home, ['authority', 'reserve', '--account', 'Lab', '--request', request, '--license', 'UCM_Basic=1']).status).toBe(0);
    const sn = /S:([0-9a-f]{5})/.exec(slr(dev, ['show', 'license', 'udi']).stdout)![1]!;
    expect(ask('', '--home', home, 'authority', 'code', '--instance')).toEqual([sn]);
  });

  it('offers the next word of a command and a command’s options, nothing that is not one', () => {
    expect(complete('lic')).toEqual(['license']);
    expect(complete('')).toEqual(expect.arrayContaining(['authority', 'backup', 'cluster', 'init', 'license', 'show', 'sip-trunk', 'utils']));
    expect(complete('res', 'license', 'smart')).toEqual(['reservation']);
    expect(complete('', 'license', 'smart', 'reservation')).toEqual(expect.arrayContaining(['enable', 'request', 'install-file', 'return']));
    expect(complete('', 'cluster')).toEqual(['add-node', 'join', 'leave', 'remove-node', 'serve', 'sync']);
    expect(complete('sa', 'authority')).toEqual(['satellite']);
    expect(complete('', 'authority', 'satellite')).toEqual(['add', 'allocate', 'enrol']);
    expect(complete('--acc', 'authority', 'reserve')).toEqual(['--account']);
    expect(complete('--', 'authority', 'show', 'events')).toEqual(
      expect.arrayContaining(['--account', '--csv', '--satellite', '--verify', '--home', '--json']),
    );
    expect(complete('--o', 'license', 'smart', 'reservation', 'request')).toEqual(['--out']);
    expect(complete('zz')).toEqual([]);
    expect(complete('', 'authority', 'reserve', 'extra')).toEqual([]);
    // Options' values are no command words.
    expect(complete('sh', '--home', 'lc', 'authority', '--passphrase-file', 'p.txt')).toEqual(['show']);
    expect(complete('', 'authority', 'reserve', '--account', 'Lab')).toEqual([]);
  });

  it('completes in a real bash through the script slr prints', () => {
    const bin = mkdtempSync(join(tmpdir(), 'slr-complete-'));
    writeFileSync(join(bin, 'slr'), `#!/bin/sh\nSLR_FROM_SOURCE=1 exec "${process.execPath}" "${SLR}" "$@"\n`);
    chmodSync(join(bin, 'slr'), 0o755);
    const script = spawnSync(join(bin, 'slr'), ['completion', 'bash'], { encoding: 'utf8' });
    expect(script.status).toBe(0);
    expect(script.stdout).toBe(COMPLETION_SCRIPTS.bash);
    writeFileSync(join(bin, 'slr.bash'), script.stdout);
    const tab = (...words: string[]) =>
      spawnSync(
        'bash',
        [
          '-c',
          `source ${join(bin, 'slr.bash')}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _slr; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        {
          encoding: 'utf8',
          env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
        },
      ).stdout.trim();
    expect(tab('slr', 'clu')).toBe('cluster');
    expect(tab('slr', 'authority', 'sync', '')).toBe('export\nimport\nnow');
    expect(tab('slr', '--home', 'x', 'show', 'sip')).toBe('sip-trunks');
    for (const shell of ['zsh', 'fish'] as const) expect(COMPLETION_SCRIPTS[shell]).toContain('slr __complete');
    expect(spawnSync(join(bin, 'slr'), ['completion', 'tcsh'], { encoding: 'utf8' }).status).toBe(2);
  });
});
