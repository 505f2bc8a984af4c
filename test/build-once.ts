// Global set-up of the system project: its tests need the built app (out/). `npm test` builds first; a bare
// `npx vitest` builds here when out/ is missing, instead of failing on it.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const built = ['out/renderer/index.html', 'out/main/main.js', 'out/preload/preload.cjs', 'out/cli/slr.js'].every((f) => existsSync(`${root}${f}`));
  if (!built) execFileSync(process.execPath, ['build/build.mjs'], { cwd: root, stdio: 'inherit' });
}
