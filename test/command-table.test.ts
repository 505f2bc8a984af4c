// The product-instance command table is the single source of where a command runs, its arguments, its
// CLI form and help, and what the bridge accepts: check that everything derived from it holds together.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMAND_NAMES, COMMANDS } from '../shared/instance/command-table.ts';
import { availability } from '../shared/instance/commands.ts';
import { BRIDGE_ARGS } from '../shared/bridge.ts';
import { FORMS, usageLine } from '../electron/cli/device/instance-commands.ts';
import { USAGE } from '../electron/cli/main.ts';
import { AUTHORITY_USAGE, findVerb, VERBS } from '../electron/cli/authority/authority-cli.ts';
import { slr } from './helpers/cli.ts';
import { makeDevice } from './helpers/world.ts';

const PHASES = ['disabled', 'unregistered', 'in-progress', 'registered'] as const;

describe('the command table', () => {
  it('gives every reservation command a reason and a remedy in every phase where it may not run', () => {
    for (const name of COMMAND_NAMES) {
      const spec = COMMANDS[name] as { phases?: Record<string, true>; why?: Record<string, readonly [string, string]> };
      if (!spec.phases) continue;
      for (const phase of PHASES) {
        if (spec.phases[phase]) continue;
        expect(spec.why?.[phase], `${name} in ${phase}`).toBeDefined();
        expect(spec.why![phase]![0].length, `${name} in ${phase}`).toBeGreaterThan(10);
      }
    }
    // What the app shows is derived from it: a fresh device may enable, and nothing else of the reservation.
    const a = availability(makeDevice().state);
    expect(
      Object.entries(a)
        .filter(([, v]) => v.allowed)
        .map(([k]) => k)
        .sort(),
    ).toEqual(['enable']);
    expect(Object.keys(a).sort()).toEqual(COMMAND_NAMES.filter((n) => 'phases' in COMMANDS[n]).sort());
  });

  it('has a CLI form, with a usage line and help, for every command, and the usage lists them all', () => {
    for (const name of COMMAND_NAMES)
      expect(
        FORMS.some((f) => f.name === name),
        name,
      ).toBe(true);
    for (const f of FORMS) {
      expect(USAGE).toContain(usageLine(f));
      expect(f.form.example.startsWith(`slr ${f.form.words}`)).toBe(true);
    }
  });

  it("prints each command's own help for `--help` and `slr help …`, and that help on a usage error", () => {
    const home = mkdtempSync(join(tmpdir(), 'slr-help-'));
    for (const f of FORMS) {
      const words = f.words.slice();
      for (const args of [
        [...words, '--help'],
        ['help', ...words],
      ]) {
        const r = slr(home, args);
        expect(r.status, args.join(' ')).toBe(0);
        expect(r.stdout).toContain(`Usage: ${usageLine(f)}`);
        expect(r.stdout).toContain('Exit codes:');
        expect(r.stdout).not.toContain('License authority: slr authority --help');
      }
    }
    const wrong = slr(home, ['license', 'usage', 'UCM_Basic']);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('Wrong arguments for `slr license usage`');
    expect(wrong.stderr).toContain('Usage: slr license usage <tag or short name> <count>');
    expect(wrong.stderr).not.toContain('License authority');
  });

  it("lets the bridge take exactly the table's bridge commands, with their arguments and nothing else", () => {
    const schema = { safeParse: (command: unknown) => BRIDGE_ARGS.instanceCommand.safeParse([command]) };
    expect(BRIDGE_ARGS.instanceCommand.safeParse([{ type: 'enable' }]).success).toBe(true);
    expect(schema.safeParse({ type: 'usage', tag: 'UCM_Basic', count: 3 }).success).toBe(true);
    for (const bad of [
      { type: 'install', code: 'x' },
      { type: 'trust-add', chain: [], label: 'x' },
      { type: 'enable', extra: 1 },
      { type: 'usage', tag: 'x', count: -1 },
      { type: 'nope' },
    ]) {
      expect(schema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    for (const name of COMMAND_NAMES) {
      const args = name === 'usage' ? { tag: 'UCM_Basic', count: 1 } : name === 'usage-acknowledge' ? { ack: 'SLRA1.x.y' } : {};
      expect(schema.safeParse({ type: name, ...args }).success, name).toBe(COMMANDS[name].bridge);
    }
  });
});

describe('the authority verb table', () => {
  it('gives every verb its usage line in the usage, and its own help for --help and `help`', () => {
    const home = mkdtempSync(join(tmpdir(), 'slr-ahelp-'));
    for (const v of VERBS) {
      expect(AUTHORITY_USAGE).toContain(`slr authority ${v.words}`);
      expect(v.example.startsWith(`slr authority ${v.words}`), v.words).toBe(true);
      for (const args of [
        ['authority', ...v.words.split(' '), '--help'],
        ['authority', 'help', ...v.words.split(' ')],
      ]) {
        const r = slr(home, args);
        expect(r.status, args.join(' ')).toBe(0);
        expect(r.stdout).toContain(`Usage: slr authority ${v.words}`);
        expect(r.stdout).toContain('Exit codes:');
      }
    }
  });

  it("refuses a missing option, an option the verb does not take, or a stray argument, with that verb's help (exit 2)", () => {
    const home = mkdtempSync(join(tmpdir(), 'slr-averb-'));
    for (const [args, message] of [
      [['reserve', '--account', 'Default'], /Give --request \(one device\) or --requests \(a batch\)/],
      [['unlock', '--instance', 'cc920', '--csv'], /slr authority unlock does not take --csv\./],
      [['key', 'retire'], /takes <id>/],
      [['key', 'list', 'extra'], /Unexpected argument "extra"/],
    ] as const) {
      const r = slr(home, ['authority', ...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain(`Usage: slr authority ${findVerb(args)!.words}`);
    }
  });

  it('prints the Licenses and Instances tables as CSV with --csv, header first', () => {
    const home = mkdtempSync(join(tmpdir(), 'slr-acsv-'));
    expect(slr(home, ['authority', 'init', '--account', 'Acme']).status).toBe(0);
    expect(slr(home, ['authority', 'license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '7']).status).toBe(0);
    const licenses = slr(home, ['authority', 'show', 'licenses', '--csv']).stdout.trimEnd().split('\r\n');
    expect(licenses[0]).toBe('Virtual Account,License,Level,Expires,Purchased,Reserved,In Transition,Available');
    expect(licenses[1]).toBe('Default,UCM_Basic,2,,7,0,0,7');
    expect(slr(home, ['authority', 'show', 'instances', '--csv']).stdout.trim()).toBe(
      'Virtual Account,Name,Product Type,Last Contact,State,Reserved,In Transition,Device State,Cluster Nodes',
    );
  });
});
