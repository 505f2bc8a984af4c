// The layering rules are lint errors: prove that each one fires (and that clean code passes).
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    ['shared/x.ts', "import { x as y } from '../electron/services/paths.ts';\nexport const x = y;", /electron\/ or renderer/],
    ['shared/x.ts', 'export const x = process.env.HOME;', /process/],
    ['shared/x.ts', 'export const x = Buffer.from("a");', /Buffer/],
    ['shared/x.ts', 'export const x = document.title;', /document/],
    ['renderer/x.ts', "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;", /must not import Electron/],
    ['renderer/x.ts', "import { x as y } from '../electron/services/paths.ts';\nexport const x = y;", /only through the bridge/],
    ['renderer/x.ts', "import { readFile } from 'node:fs/promises';\nexport const x = readFile;", /sandboxed/],
    ['electron/x.ts', "import { x as y } from '../renderer/app.tsx';\nexport const x = y;", /must not import renderer/],
    ['electron/services/x.ts', "import { x as y } from '../main/policy.ts';\nexport const x = y;", /services\/ are called by main\/, cli\/ and server\//],
    ['electron/services/x.ts', "import { x as y } from '../cli/output.ts';\nexport const x = y;", /services\/ are called by main\/, cli\/ and server\//],
    ['electron/services/x.ts', "import { x as y } from '../server/app.ts';\nexport const x = y;", /services\/ are called by main\/, cli\/ and server\//],
    ['electron/main/x.ts', "import { x as y } from '../server/app.ts';\nexport const x = y;", /main\/ never imports server\//],
    ['electron/server/x.ts', "import { x as y } from '../cli/output.ts';\nexport const x = y;", /server\/ adapts services\/ to HTTP/],
    ['electron/server/x.ts', "import { x as y } from '../main/policy.ts';\nexport const x = y;", /server\/ adapts services\/ to HTTP/],
    ['electron/main/x.ts', "import { x as y } from '../cli/output.ts';\nexport const x = y;", /main\/ never imports cli\//],
    ['electron/cli/x.ts', "import { x as y } from '../main/policy.ts';\nexport const x = y;", /cli\/ never imports main\//],
    ['electron/preload/x.ts', "import { x as y } from '../services/files.ts';\nexport const x = y;", /only electron and the bridge contract/],
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
    const [result] = await typed.lintText(code, { filePath: 'electron/services/paths.ts' });
    const rules = result!.messages.map((m) => m.ruleId);
    expect(rules).toContain('@typescript-eslint/no-floating-promises');
    expect(rules).toContain('@typescript-eslint/no-misused-promises');
  });
});

describe('no import circles (dependency-cruiser, .dependency-cruiser.cjs)', () => {
  const require = createRequire(import.meta.url);
  const config = require('../.dependency-cruiser.cjs') as IConfiguration;
  const circles = async (paths: string[], cwd = root) => {
    const here = process.cwd();
    process.chdir(cwd);
    try {
      const { output } = await cruise(paths, { ruleSet: config, validate: true, tsPreCompilationDeps: true });
      return (output as ICruiseResult).summary.violations.map((v) => [v.from, ...(v.cycle ?? []).map((c) => c.name)].join(' → '));
    } finally {
      process.chdir(here);
    }
  };

  it('finds none in the sources', async () => {
    expect(await circles(['electron', 'shared', 'renderer', 'build'])).toEqual([]);
  });

  it('finds one, even through type-only imports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slr-circle-'));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { allowImportingTsExtensions: true, noEmit: true } }));
    writeFileSync(join(dir, 'a.ts'), "import type { B } from './b.ts';\nexport type A = { b?: B };\n");
    writeFileSync(join(dir, 'b.ts'), "import type { A } from './a.ts';\nexport type B = { a?: A };\n");
    writeFileSync(join(dir, 'c.ts'), "import type { A } from './a.ts';\nexport type C = A;\n");
    const found = await circles(['.'], dir);
    expect(found.join('\n')).toMatch(/a\.ts → b\.ts → a\.ts|b\.ts → a\.ts → b\.ts/);
    expect(found.join('\n')).not.toMatch(/c\.ts/);
  });
});
