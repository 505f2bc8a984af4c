// The CLI's conventions (issue 29): "did you mean …?" for the nearest known command or option to a typo, none for
// what is not near one; a bad command line ends with the error, under a short usage (never a screen of help
// above it); a command on a mistyped --home is refused and makes nothing there.
import { describe, expect, it } from 'vitest';
import { closest, commandWords, editDistance } from '../electron/cli/did-you-mean.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { slr } from './helpers/cli.ts';
import { scratchDirs } from './helpers/scratch.ts';

const scratch = scratchDirs('slr-did-you-mean-');

describe('did you mean', () => {
  it('finds the nearest command or option within a typo’s reach, and nothing otherwise', () => {
    expect(editDistance('license', 'licnse')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    const commands = commandWords([
      '  slr license usage <tag> <count>',
      '  slr license smart reservation request [specific]',
      '  slr show license status | udi',
      // The description after two spaces or more is not part of the command.
      '  slr license smart usage report                       report the usage now',
      'not a line',
    ]);
    expect(commands).toEqual(['license usage', 'license smart reservation request', 'show license status', 'license smart usage report']);
    expect(closest(['licnse', 'usage', 'x', '1'], commands)).toBe('license usage');
    expect(closest(['license', 'smart', 'reservaton', 'request'], commands)).toBe('license smart reservation request');
    expect(closest(['frobnicate'], commands)).toBeNull();
    expect(closest(['license', 'usage'], commands)).toBeNull(); // exact: not a typo
    expect(closest(['--acount'], ['--account', '--out'])).toBe('--account');
    expect(closest(['--x'], ['--account', '--out'])).toBeNull();
  });

  it('ends a bad command line with the error and a suggestion, under a short usage, exit 2', () => {
    const home = scratch();
    for (const [args, last] of [
      [['licnse', 'usage', 'UCM_Basic', '1'], /^Unknown command: slr licnse usage UCM_Basic 1\. Did you mean `slr license usage`\?$/],
      [['authority', 'show', 'instnces'], /^Unknown command: slr authority show instnces\. Did you mean `slr authority show instances`\?$/],
      [['authority', 'reserve', '--acount', 'Lab'], /^slr authority reserve does not take --acount\. Did you mean --account\?$/],
      [['authority', 'reserve', '--account'], /^--account of slr authority reserve needs a value\.$/],
      [['frobnicate'], /^Unknown command: slr frobnicate\.$/],
    ] as const) {
      const r = slr(home, [...args]);
      expect(r.status, args.join(' ')).toBe(2);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines.at(-1), args.join(' ')).toMatch(last);
      expect(lines.length, `${args.join(' ')}: help above the error`).toBeLessThanOrEqual(14);
    }
  });

  it('refuses a command on a mistyped --home and creates nothing there', () => {
    const missing = join(scratch(), 'no-such-home');
    for (const args of [
      ['show', 'license', 'status'],
      ['license', 'usage', 'UCM_Basic', '1'],
      ['show', 'alarms'],
      ['cluster', 'sync'],
      ['authority', 'show', 'licenses'],
    ]) {
      const r = slr(missing, args);
      expect(r.status, args.join(' ')).toBe(1);
      expect(existsSync(missing), args.join(' ')).toBe(false);
    }
  });

  it('gives every command its own help with an example, as --help and as slr help', () => {
    const home = join(scratch(), 'home');
    for (const args of [
      ['init', '--help'],
      ['show', 'license', 'status', '--help'],
      ['help', 'cluster', 'join'],
      ['sip-trunk', 'add', '--help'],
      ['help', 'show', 'alarms'],
    ]) {
      const r = slr(home, args);
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/^Usage: slr [a-z][\s\S]*\nExample: slr /);
      expect(r.stdout.split('\n').length, args.join(' ')).toBeLessThan(16);
    }
    expect(existsSync(home)).toBe(false);
  });
});
