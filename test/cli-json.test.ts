// --json has one shape for every outcome of every command, on both sides: one line on stdout, either
// {"ok":true,…} or {"ok":false,"error":{"code","message","hint"}} with all three strings. Every command of
// the device's table and every authority verb is run, in a state where it succeeds and where it is refused.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { slr } from './helpers/cli.ts';
import { FORMS } from '../electron/cli/device/instance-commands.ts';
import { VERBS } from '../electron/cli/authority/authority-cli.ts';

const Ok = z.looseObject({ ok: z.literal(true) });
const Failure = z.strictObject({ ok: z.literal(false), error: z.strictObject({ code: z.string().min(1), message: z.string().min(1), hint: z.string() }) });
const Outcome = z.union([Ok, Failure]);

const T = Date.UTC(2026, 8, 1, 9, 0, 0);
let minute = 0;

function checkJson(home: string, args: string[]): z.infer<typeof Outcome> {
  const r = slr(home, ['--json', ...args], T + ++minute * 60_000);
  const lines = r.stdout.split('\n').filter(Boolean);
  expect(lines, `${args.join(' ')}: one line on stdout`).toHaveLength(1);
  const parsed = Outcome.safeParse(JSON.parse(lines[0]!));
  expect(parsed.success, `${args.join(' ')}: ${lines[0]}`).toBe(true);
  expect(parsed.data!.ok, `${args.join(' ')}: the exit status says the same`).toBe(r.status === 0);
  return parsed.data!;
}

/** Plausible values for a verb's options and positionals (a refusal is as good as a success here). */
const VALUES: Record<string, string> = {
  account: 'Default',
  request: 'ABCDE',
  license: 'UCM_Basic=1',
  out: tmpdir(),
  tag: 'UCM_Basic',
  count: '1',
  instance: 'abcde',
  'return-code': 'ABCDE',
  reason: 'test',
  to: 'Default',
  from: 'Default',
  'passphrase-file': '/no/such/file',
  'new-passphrase-file': '/no/such/file',
};

describe('--json, every command', () => {
  it('the device: every form of the command table, refused in a fresh home and run in a real one', () => {
    const empty = mkdtempSync(join(tmpdir(), 'slr-json-empty-'));
    const home = mkdtempSync(join(tmpdir(), 'slr-json-dev-'));
    checkJson(home, ['init', '--pid', 'UCM']);
    for (const f of FORMS) {
      const args = [...f.form.words.split(' '), ...f.form.params.filter((p) => p.kind !== 'optional-word').map((p) => (p.kind === 'count' ? '1' : 'x'))];
      expect(checkJson(empty, args).ok, args.join(' ')).toBe(false);
      checkJson(home, args);
    }
    for (const show of ['status', 'udi', 'reservation', 'usage', 'summary', 'events']) checkJson(home, ['show', 'license', show]);
    checkJson(home, ['license', 'trust', 'list']);
    checkJson(home, ['no', 'such', 'command']);
  });

  it('the authority: every verb, refused without an authority and run with one', () => {
    const empty = mkdtempSync(join(tmpdir(), 'slr-json-empty-auth-'));
    const home = mkdtempSync(join(tmpdir(), 'slr-json-auth-'));
    const keys = join(home, 'keys.json');
    writeFileSync(keys, '{}');
    expect(checkJson(home, ['authority', 'init', '--account', 'Acme']).ok).toBe(true);
    for (const v of VERBS) {
      const required = (v.required ?? []).flatMap((o) => [`--${o}`, VALUES[o] ?? 'x']);
      const positionals = (v.positionals ?? []).map((p) => (p === 'backup file' ? keys : p === 'virtual account' ? `VA${minute}` : 'ABCDE'));
      const args = ['authority', ...v.words.split(' '), ...required, ...positionals];
      if (v.words !== 'init') expect(checkJson(empty, args).ok, args.join(' ')).toBe(false);
      checkJson(home, args);
    }
  });
});
