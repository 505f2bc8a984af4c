// Writes the generated parts of docs/: the CLI reference (from the command tables) and the API reference (from
// the OpenAPI document). test/docs.test.ts checks that the kept copies are what these make.
import { writeFileSync } from 'node:fs';
import { cliReference } from '../electron/cli/reference.ts';
import { apiReference } from '../electron/server/api-reference.ts';

for (const [name, text] of [
  ['cli-reference.md', await cliReference()],
  ['api-reference.md', apiReference()],
]) {
  const path = new URL(`../docs/${name}`, import.meta.url);
  writeFileSync(path, text);
  console.log(`wrote ${path.pathname}`);
}
