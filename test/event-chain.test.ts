// Tamper-evident event logs on both sides: every event carries the hash of the one before it; --verify names
// the first event that was changed; the CSV export keeps the hashes so that an auditor can recompute them.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { slr } from './helpers/cli.ts';

const T = Date.UTC(2026, 2, 1, 9, 0, 0);
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `slr-${name}-`));

/** What an auditor does with the CSV, in a few lines (docs/threat-model.md): recompute each hash from the one before. */
function auditCsv(rows: string[][], fields: (row: string[]) => (string | number | null)[]): number | null {
  let previous = '0'.repeat(64);
  for (const [i, row] of rows.entries()) {
    const hash = createHash('sha256')
      .update(JSON.stringify([previous, ...fields(row)]))
      .digest('hex');
    if (hash !== row[row.length - 1]) return i;
    previous = hash;
  }
  return null;
}
const csvRows = (csv: string) =>
  csv
    .trimEnd()
    .split('\r\n')
    .slice(1)
    .map((line) => line.split(',').map((c) => c.replace(/^"|"$/g, '').replace(/""/g, '"').replace(/^'/, '')));

describe('tamper-evident event logs', () => {
  it('the device: intact after a run of commands, and an edited or removed event is named', () => {
    const home = tmp('chain-device');
    for (const args of [
      ['init', '--pid', 'UCM'],
      ['license', 'smart', 'reservation', 'enable'],
      ['license', 'usage', 'UCM_Basic', '2'],
      ['license', 'smart', 'reservation', 'request'],
    ]) {
      expect(slr(home, args, T).status).toBe(0);
    }
    const ok = slr(home, ['show', 'license', 'events', '--verify'], T);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/Event log intact: 4 events/);
    const file = join(home, 'product-instance.json');
    const state = JSON.parse(readFileSync(file, 'utf8')) as { events: { message: string }[] };
    expect(state.events.every((e) => /^[0-9a-f]{64}$/.test((e as { hash?: string }).hash ?? ''))).toBe(true);
    const edited = structuredClone(state);
    edited.events[2]!.message = 'Usage of UC Manager Basic License (12.x): 0 -> 1.';
    writeFileSync(file, JSON.stringify(edited));
    const r = slr(home, ['--json', 'show', 'license', 'events', '--verify'], T);
    expect(r.status).toBe(1);
    expect(r.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'log-tampered',
      message: expect.stringMatching(/event 3 of 4 .*usage.*does not follow/),
    });
    const removed = structuredClone(state);
    removed.events.splice(1, 1);
    writeFileSync(file, JSON.stringify(removed));
    expect(slr(home, ['show', 'license', 'events', '--verify'], T).stderr).toMatch(/event 2 of 3/);
  });

  it('the authority: intact, an edited event is named, and the CSV export lets an auditor check the chain', () => {
    const home = tmp('chain-authority');
    let minute = 0;
    const a = (...args: string[]) => slr(home, ['authority', ...args], T + ++minute * 60_000);
    expect(a('init', '--account', 'Acme').status).toBe(0);
    expect(a('account', 'add', 'Lab').status).toBe(0);
    expect(a('license', 'add', '--account', 'Lab', '--tag', 'UCM_Basic', '--count', '5').status).toBe(0);
    expect(a('show', 'events', '--verify').stdout).toMatch(/Event log intact: 3 events/);
    const csv = a('show', 'events', '--csv').stdout;
    const rows = csvRows(csv);
    // time, at, actor, account, instance, type, message, code, hash
    const fields = (row: string[]) => [Number(row[1]), row[2]!, row[3] || null, row[4] || null, row[5]!, row[6]!, row[7] || null];
    expect(auditCsv(rows, fields)).toBeNull();
    const db = new DatabaseSync(join(home, 'authority.sqlite'));
    db.exec('UPDATE events SET message = \'Virtual account "Lab" created by someone else.\' WHERE id = 2');
    db.close();
    const r = a('--json', 'show', 'events', '--verify');
    expect(r.status).toBe(1);
    expect(r.json<{ error: { message: string } }>().error.message).toMatch(/event 2 of 3 .*account-add/);
    expect(auditCsv(csvRows(a('show', 'events', '--csv').stdout), fields)).toBe(1);
  });

  it('the auditor snippet of docs/threat-model.md, run as written, checks an export with formula-like cells and finds an edit', () => {
    const home = tmp('chain-readme');
    let minute = 0;
    const a = (...args: string[]) => slr(home, ['authority', ...args], T + ++minute * 60_000);
    expect(a('init', '--account', 'Acme').status).toBe(0);
    for (const name of ['=1+1', '-Lab', "'quoted", '@SUM(A1)', 'Plain, "with" quotes']) expect(a('account', 'add', '--', name).status, name).toBe(0);
    const csv = a('show', 'events', '--csv').stdout;
    for (const cell of ['"\'=1+1"', '"\'-Lab"', '"\'\'quoted"', '"\'@SUM(A1)"']) expect(csv).toContain(cell);
    const page = readFileSync(new URL('../docs/threat-model.md', import.meta.url), 'utf8');
    const snippet = /## Tamper-evident logs[\s\S]*?```python\n([\s\S]*?)```/.exec(page)![1]!;
    const dir = tmp('chain-audit');
    writeFileSync(join(dir, 'audit.py'), snippet);
    writeFileSync(join(dir, 'license-central-events.csv'), csv);
    const ok = spawnSync('python3', ['audit.py'], { cwd: dir, encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    const edited = csv.replace('""-Lab""', '""-Lob""');
    expect(edited).not.toBe(csv);
    writeFileSync(join(dir, 'license-central-events.csv'), edited);
    const caught = spawnSync('python3', ['audit.py'], { cwd: dir, encoding: 'utf8' });
    expect(caught.status).not.toBe(0);
    expect(caught.stderr).toMatch(/AssertionError: changed at/);
  });
});
