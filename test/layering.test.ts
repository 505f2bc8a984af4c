// The layering rules are lint errors: prove that each one fires (and that clean code passes).
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';

const root = fileURLToPath(new URL('..', import.meta.url));
// The snippets are virtual files, which the type-aware project service cannot see: lint them without types
// (the layering rules need none).
const eslint = new ESLint({
  cwd: root,
  overrideConfigFile: fileURLToPath(new URL('../eslint.config.js', import.meta.url)),
  overrideConfig: [
    {
      files: ['**/*.{ts,tsx}'],
      languageOptions: { parserOptions: { projectService: false } },
      rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off', '@typescript-eslint/return-await': 'off' },
    },
  ],
});

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('layering rules', () => {
  it.each([
    ['shared/x.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;", /Node built-ins/],
    ['shared/x.ts', "import fs from 'fs';\nexport const x = fs;", /Node built-ins/],
    ['shared/x.ts', "import { app } from 'electron';\nexport const x = app;", /free of Electron/],
    ['shared/x.ts', "import { useState } from 'react';\nexport const x = useState;", /React/],
    ['shared/x.ts', "import { x as y } from '../electron/platform/paths.ts';\nexport const x = y;", /electron\/ or renderer/],
    ['shared/x.ts', 'export const x = process.env.HOME;', /process/],
    ['shared/x.ts', 'export const x = Buffer.from("a");', /Buffer/],
    ['shared/x.ts', 'export const x = document.title;', /document/],
    ['renderer/x.ts', "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;", /must not import Electron/],
    ['renderer/x.ts', "import { x as y } from '../electron/platform/paths.ts';\nexport const x = y;", /only through the bridge/],
    ['renderer/x.ts', "import { readFile } from 'node:fs/promises';\nexport const x = readFile;", /sandboxed/],
    ['electron/x.ts', "import { x as y } from '../renderer/app.tsx';\nexport const x = y;", /must not import renderer/],
    ['electron/preload/x.ts', "import { x as y } from '../platform/files.ts';\nexport const x = y;", /only electron and the bridge contract/],
    ['electron/preload/x.ts', "import { x as y } from '../../shared/catalog.ts';\nexport const x = y;", /only electron and the bridge contract/],
    ['electron/preload/x.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;", /only electron and the bridge contract/],
  ])('%s: %s', async (file, code, message) => {
    const found = await problems(file, code);
    expect(found.join('\n')).toMatch(message);
  });

  it('lets each layer use what it may', async () => {
    expect(await problems('shared/x.ts', "import { z } from 'zod';\nexport const x = z.string();")).toEqual([]);
    expect(await problems('renderer/x.ts', "import { PRODUCTS } from '../shared/catalog.ts';\nexport const x = PRODUCTS;")).toEqual([]);
    expect(
      await problems(
        'electron/x.ts',
        "import { readFileSync } from 'node:fs';\nimport { PRODUCTS } from '../shared/catalog.ts';\nexport const x = [readFileSync, PRODUCTS];",
      ),
    ).toEqual([]);
  });
});

describe('promise rules (type-aware)', () => {
  it('refuse a floating promise and a promise where a void callback is expected', async () => {
    const typed = new ESLint({ cwd: root, overrideConfigFile: fileURLToPath(new URL('../eslint.config.js', import.meta.url)) });
    const code = [
      'export async function work(): Promise<number> { return 1; }',
      'export function caller(): void { work(); }',
      'export function handler(on: (fn: () => void) => void): void { on(async () => { await work(); }); }',
      '',
    ].join('\n');
    // The text stands in for a real file of the project, so the project service can type it.
    const [result] = await typed.lintText(code, { filePath: 'electron/platform/paths.ts' });
    const rules = result!.messages.map((m) => m.ruleId);
    expect(rules).toContain('@typescript-eslint/no-floating-promises');
    expect(rules).toContain('@typescript-eslint/no-misused-promises');
  });
});

describe('rooms and circles (dependency-cruiser, .dependency-cruiser.cjs)', () => {
  const require = createRequire(import.meta.url);
  const config = require('../.dependency-cruiser.cjs') as IConfiguration;
  const violations = async (paths: string[], cwd = root) => {
    const here = process.cwd();
    process.chdir(cwd);
    try {
      const { output } = await cruise(paths, { ruleSet: config, validate: true, tsPreCompilationDeps: true });
      return (output as ICruiseResult).summary.violations.map((v) => `${v.rule.name}: ${[v.from, ...(v.cycle ?? []).map((c) => c.name), v.to].join(' → ')}`);
    } finally {
      process.chdir(here);
    }
  };
  /** A tree of one-line modules in a fresh directory: `from` imports `to` (paths from the root). */
  const tree = (imports: ReadonlyArray<readonly [string, string]>) => {
    const dir = mkdtempSync(join(tmpdir(), 'slr-rooms-'));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { allowImportingTsExtensions: true, noEmit: true } }));
    const files = new Map<string, string[]>();
    for (const [from, to] of imports) {
      files.set(from, [...(files.get(from) ?? []), to]);
      if (!files.has(to)) files.set(to, []);
    }
    for (const [file, targets] of files) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      const lines = targets.map((t, i) => `import { x as x${i} } from '${relativeImport(file, t)}';\nexport const y${i} = x${i};`);
      writeFileSync(join(dir, file), [...lines, 'export const x = 1;', ''].join('\n'));
    }
    return dir;
  };
  const relativeImport = (from: string, to: string) => {
    const path = relative(dirname(from), to);
    return path.startsWith('.') ? path : `./${path}`;
  };

  it('finds none in the sources', async () => {
    expect(await violations(['electron', 'shared', 'renderer', 'build'])).toEqual([]);
  });

  it.each([
    ['electron/platform/x.ts', 'electron/device/y.ts', 'platform'],
    ['electron/net/x.ts', 'electron/authority/y.ts', 'net'],
    ['electron/documents/x.ts', 'electron/app/y.ts', 'documents'],
    ['electron/device/x.ts', 'electron/authority/ledger/lookups.ts', 'device'],
    ['electron/device/x.ts', 'electron/documents/receipt.ts', 'device'],
    ['electron/authority/x.ts', 'electron/device/y.ts', 'authority'],
    ['electron/authority/ledger/x.ts', 'electron/server/app.ts', 'authority'],
    ['electron/authority/db/x.ts', 'electron/authority/ledger/lookups.ts', 'authority-db'],
    ['electron/authority/ledger/x.ts', 'electron/authority/ledger.ts', 'authority-operations'],
    ['electron/authority/users/x.ts', 'electron/authority/remote/remote.ts', 'authority-operations'],
    ['electron/authority/remote/x.ts', 'electron/authority/db/sqlite/sqlite-db.ts', 'authority-remote'],
    ['electron/app/x.ts', 'electron/server/app.ts', 'app'],
    ['electron/app/x.ts', 'electron/main/policy.ts', 'app'],
    ['electron/server/x.ts', 'electron/cli/output.ts', 'server'],
    ['electron/server/x.ts', 'electron/device/instance-service.ts', 'server'],
    ['electron/cli/x.ts', 'electron/main/policy.ts', 'cli'],
    ['electron/cli/device/x.ts', 'electron/authority/remote/remote.ts', 'cli-device'],
    ['electron/cli/device/x.ts', 'electron/cli/authority/verb.ts', 'cli-device'],
    ['electron/cli/authority/x.ts', 'electron/cli/device/instance-cli.ts', 'cli-authority'],
    ['electron/main/x.ts', 'electron/server/app.ts', 'main'],
    ['electron/main/x.ts', 'electron/cli/output.ts', 'main'],
  ])('%s may not import %s (%s)', async (from, to, rule) => {
    const found = await violations(['electron'], tree([[from, to]]));
    expect(found).toEqual([`${rule}: ${from} → ${to}`]);
  });

  it('lets each room import what it may', async () => {
    const allowed = [
      ['electron/device/x.ts', 'electron/platform/y.ts'],
      ['electron/device/x.ts', 'electron/net/y.ts'],
      ['electron/authority/ledger/x.ts', 'electron/authority/keys/y.ts'],
      ['electron/authority/x.ts', 'electron/authority/ledger/z.ts'],
      ['electron/authority/remote/x.ts', 'electron/authority/ledger.ts'],
      ['electron/app/x.ts', 'electron/authority/remote/y.ts'],
      ['electron/server/x.ts', 'electron/authority/ledger.ts'],
      ['electron/cli/authority/x.ts', 'electron/server/y.ts'],
      ['electron/cli/device/x.ts', 'electron/cli/output.ts'],
      ['electron/main/x.ts', 'electron/app/y.ts'],
    ] as const;
    expect(await violations(['electron'], tree(allowed))).toEqual([]);
  });

  it('finds a circle, even through type-only imports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slr-circle-'));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { allowImportingTsExtensions: true, noEmit: true } }));
    writeFileSync(join(dir, 'a.ts'), "import type { B } from './b.ts';\nexport type A = { b?: B };\n");
    writeFileSync(join(dir, 'b.ts'), "import type { A } from './a.ts';\nexport type B = { a?: A };\n");
    writeFileSync(join(dir, 'c.ts'), "import type { A } from './a.ts';\nexport type C = A;\n");
    const found = await violations(['.'], dir);
    expect(found.join('\n')).toMatch(/no-circular: (a\.ts → b\.ts → a\.ts|b\.ts → a\.ts → b\.ts)/);
    expect(found.join('\n')).not.toMatch(/c\.ts/);
  });
});
