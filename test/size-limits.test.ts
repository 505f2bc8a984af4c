// No source file over 300 lines and no function over 60 (files not yet added to git included). The lists of
// exceptions are empty; one added must give its reason, may only shrink, and comes off once under the limit.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import ts from 'typescript';

const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 60;

/** Files allowed past the limit, with their size today (the most they may have) and why. */
const FILE_EXCEPTIONS: Record<string, { lines: number; why: string }> = {};

/** Functions allowed past the limit (file:name), with their size today and why. */
const FUNCTION_EXCEPTIONS: Record<string, { lines: number; why: string }> = {};

function sources(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'electron', 'shared', 'renderer'], { encoding: 'utf8' })
    .split('\n')
    .filter((f) => /\.(ts|tsx)$/.test(f) && !f.endsWith('.d.ts'));
}

function functionsOf(file: string, text: string): { name: string; lines: number }[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const out: { name: string; lines: number }[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isFunctionLike(n) && 'body' in n && n.body) {
      const lines = sf.getLineAndCharacterOfPosition(n.end).line - sf.getLineAndCharacterOfPosition(n.getStart()).line + 1;
      const parent = n.parent;
      const name =
        (n as ts.FunctionDeclaration).name?.getText() ??
        (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) ? parent.name.getText() : '(anonymous)');
      out.push({ name, lines });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

describe('size limits', () => {
  const files = sources();

  it(`keeps every file under ${MAX_FILE_LINES} lines, but the listed ones, which only shrink`, () => {
    const problems: string[] = [];
    for (const f of files) {
      const lines = readFileSync(f, 'utf8').split('\n').length;
      const exception = FILE_EXCEPTIONS[f];
      if (exception && lines > exception.lines) problems.push(`${f}: ${lines} lines, more than its exception (${exception.lines})`);
      if (exception && lines <= MAX_FILE_LINES) problems.push(`${f}: ${lines} lines, back under the limit: take it off the list`);
      if (!exception && lines > MAX_FILE_LINES) problems.push(`${f}: ${lines} lines (at most ${MAX_FILE_LINES})`);
    }
    expect(problems).toEqual([]);
    for (const f of Object.keys(FILE_EXCEPTIONS)) expect(files, f).toContain(f);
  });

  it(`keeps every function under ${MAX_FUNCTION_LINES} lines, but the listed ones, which only shrink`, () => {
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const f of files) {
      for (const fn of functionsOf(f, readFileSync(f, 'utf8'))) {
        const key = `${f}:${fn.name}`;
        const exception = FUNCTION_EXCEPTIONS[key];
        if (exception) seen.add(key);
        if (exception && fn.lines > exception.lines) problems.push(`${key}: ${fn.lines} lines, more than its exception (${exception.lines})`);
        if (exception && fn.lines <= MAX_FUNCTION_LINES) problems.push(`${key}: ${fn.lines} lines, back under the limit: take it off the list`);
        if (!exception && fn.lines > MAX_FUNCTION_LINES) problems.push(`${key}: ${fn.lines} lines (at most ${MAX_FUNCTION_LINES})`);
      }
    }
    expect(problems).toEqual([]);
    expect(Object.keys(FUNCTION_EXCEPTIONS).filter((k) => !seen.has(k))).toEqual([]);
  });
});
