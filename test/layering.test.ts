// The layering rules are lint errors: prove that each one fires (and that clean code passes).
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const eslint = new ESLint({ cwd: root, overrideConfigFile: fileURLToPath(new URL('./eslint.config.js', import.meta.url)) });

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
  ])('%s: %s', async (file, code, message) => {
    const found = await problems(file, code);
    expect(found.join('\n')).toMatch(message);
  });

  it('lets each layer use what it may', async () => {
    expect(await problems('shared/x.ts', "import { z } from 'zod';\nexport const x = z.string();")).toEqual([]);
    expect(await problems('renderer/x.ts', "import { PRODUCTS } from '../shared/catalog.ts';\nexport const x = PRODUCTS;")).toEqual([]);
    expect(await problems('electron/x.ts', "import { readFileSync } from 'node:fs';\nimport { PRODUCTS } from '../shared/catalog.ts';\nexport const x = [readFileSync, PRODUCTS];")).toEqual([]);
  });
});
