// Shell completion (issue 29), from the same tables as the help: the next word of a command or a command's
// options, for the device and License Central; bash's script, sourced in a real bash, completes with the real
// `slr`; zsh's and fish's scripts ask the same question.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { completions, COMPLETION_SCRIPTS, DEVICE_VALUE_OPTIONS } from '../electron/cli/completion.ts';
import { USAGE } from '../electron/cli/main.ts';
import { VALUE_OPTIONS, VERBS } from '../electron/cli/authority/authority-cli.ts';
import { SLR } from './helpers/cli.ts';

const valueOptions = [...DEVICE_VALUE_OPTIONS, ...VALUE_OPTIONS];
const tables = { deviceUsage: USAGE.split('\n'), verbs: VERBS, valueOptions };
const complete = (current: string, ...typed: string[]) => completions(tables, typed, current);

describe('shell completion', () => {
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
