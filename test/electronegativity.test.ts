// Electronegativity over what ships (out/: the bundled main process, preload and renderer). It exits 0 even
// when it finds problems, so the report is parsed: any finding of MEDIUM severity or above must be
// explained in test/electronegativity/exceptions.json, and every exception there must still be needed.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scaled } from './helpers/time-scale.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell.trim());
      cell = '';
    } else if (c === '\n') {
      row.push(cell.trim());
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell || row.length) {
    row.push(cell.trim());
    rows.push(row);
  }
  return rows;
}

describe('electronegativity', () => {
  it('finds nothing of medium severity or above that is not explained', () => {
    expect(existsSync(join(root, 'out/main/main.js')), 'run npm run build first').toBe(true);
    const report = join(mkdtempSync(join(tmpdir(), 'slr-en-')), 'report.csv');
    const version = JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')).version;
    const r = spawnSync(process.execPath, [join(root, 'test/electronegativity/run.cjs'), join(root, 'out'), report, version], {
      encoding: 'utf8',
      timeout: scaled(120_000),
    });
    expect(r.status, r.stderr).toBe(0);
    const [header, ...rows] = parseCsv(readFileSync(report, 'utf8')).filter((x) => x.length > 1);
    expect(header!.slice(0, 4)).toEqual(['issue', 'severity', 'confidence', 'filename']);
    const findings = rows.map(([issue, severity, confidence, file, location]) => ({
      issue: issue!,
      severity: severity!,
      confidence: confidence!,
      file: file!,
      location: location!,
    }));
    const exceptions = JSON.parse(readFileSync(join(root, 'test/electronegativity/exceptions.json'), 'utf8')) as {
      issue: string;
      file: string;
      reason: string;
    }[];
    const serious = findings.filter((f) => ['MEDIUM', 'HIGH', 'CRITICAL'].includes(f.severity));
    const unexplained = serious.filter((f) => !exceptions.some((e) => e.issue === f.issue && e.file === f.file));
    expect(unexplained).toEqual([]);
    const stale = exceptions.filter((e) => !serious.some((f) => f.issue === e.issue && f.file === e.file));
    expect(stale, 'exceptions that no longer match a finding: remove them').toEqual([]);
    for (const e of exceptions) expect(e.reason.length).toBeGreaterThan(40);
    console.log(`electronegativity: ${findings.length} findings, ${serious.length} of medium severity or above, all explained`);
  });
});
