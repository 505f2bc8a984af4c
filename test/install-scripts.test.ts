// No install warnings (issue 29): every dependency's install script is reviewed in package.json's
// `allowScripts` (electron-winstaller's picks the 7-Zip binary for Windows installers; es5-ext's only prints a
// message, denied), so `npm ci` prints no install-scripts warning.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

describe('install scripts', () => {
  it('are all reviewed, so npm ci warns about none', () => {
    const r = spawnSync('npm', ['install-scripts', 'ls'], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(`${r.stdout}${r.stderr}`).toMatch(/No packages with unreviewed install scripts/);
  });
});
