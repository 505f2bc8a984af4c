// README in parts (issue 29): the front page links every page of docs/, every link between the pages leads to a
// page and a heading that exist, and the generated references are what the command tables and the OpenAPI
// document make now (`npm run docs` writes them).
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliReference } from '../electron/cli/reference.ts';
import { apiReference } from '../electron/server/api-reference.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((f) => `docs/${f}`)];
const read = (page: string) => readFileSync(join(ROOT, page), 'utf8');

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

/** The anchors of a page's headings (outside code blocks). */
function anchors(page: string): Set<string> {
  const text = read(page).replace(/^```[\s\S]*?^```$/gm, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
}

describe('README in parts', () => {
  it('keeps the front page short, with the two commands, the walkthrough and a link to every page of docs/', () => {
    const readme = read('README.md');
    expect(readme.split('\n').length).toBeLessThanOrEqual(300);
    for (const heading of [
      'The two commands',
      'Contents',
      'Walkthrough',
      'The CLI',
      'Architecture',
      'Threat model',
      'Where state lives',
      'Which library does what',
    ])
      expect(readme, heading).toMatch(new RegExp(`^## ${heading}`, 'm'));
    for (const page of PAGES.filter((p) => p.startsWith('docs/'))) expect(readme, page).toContain(`](${page})`);
  });

  it('has every link between the pages lead to a page and a heading that exist', () => {
    const broken: string[] = [];
    for (const page of PAGES) {
      const text = read(page).replace(/^```[\s\S]*?^```$/gm, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const file = path ? normalize(join(dirname(page), path)) : page;
        if (!existsSync(join(ROOT, file))) broken.push(`${page}: ${target} (no such file)`);
        else if (anchor && file.endsWith('.md') && !anchors(file).has(anchor)) broken.push(`${page}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('keeps the generated references current (npm run docs)', async () => {
    expect(read('docs/cli-reference.md')).toBe(await cliReference());
    expect(read('docs/api-reference.md')).toBe(apiReference());
  });

  it("documents every command of both sides in the CLI reference, with its own help's example", async () => {
    const reference = read('docs/cli-reference.md');
    for (const words of ['init', 'license smart reservation request', 'cluster leave', 'authority reserve', 'authority satellite enrol', 'authority migrate'])
      expect(reference, words).toMatch(new RegExp(`^### slr ${words}\\n\\n\`\`\`text\\nUsage: slr ${words}[\\s\\S]*?Example: slr ${words}`, 'm'));
  });
});
