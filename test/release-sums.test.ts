/**
 * The release step for the air gap (issue 26): SHA256SUMS over the installers and its detached signature, checked
 * exactly as README tells an operator to, with `sha256sum -c` and `openssl dgst -sha256 -verify`: a changed
 * installer or a changed list fails; no key, a wrong key or no installer is said, with a non-zero exit.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../build/release-sums.mjs', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH } });
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

function release() {
  const dir = mkdtempSync(join(tmpdir(), 'slr-release-'));
  writeFileSync(join(dir, 'SLR Desk-1.0.0.AppImage'), 'appimage bytes');
  writeFileSync(join(dir, 'slr-desk_1.0.0_amd64.deb'), 'deb bytes');
  writeFileSync(join(dir, 'builder-debug.yml'), 'not an installer');
  // The keys beside the release directory, not in it (only installers are summed, but keep them apart anyway).
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const keyFile = `${dir}-key.pem`;
  const pubFile = `${dir}-pub.pem`;
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(pubFile, publicKey.export({ type: 'spki', format: 'pem' }));
  return { dir, keyFile, pubFile };
}

describe('release sums', () => {
  it('sums the installers only, signs the list, and both checks pass as README gives them', () => {
    const { dir, keyFile, pubFile } = release();
    const r = run('--dir', dir, '--key', keyFile);
    expect(r.status, r.stderr).toBe(0);
    const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8');
    expect(
      sums
        .trim()
        .split('\n')
        .map((l) => l.split('  ')[1]),
    ).toEqual(['SLR Desk-1.0.0.AppImage', 'slr-desk_1.0.0_amd64.deb']);
    if (has('sha256sum')) expect(spawnSync('sha256sum', ['-c', '--ignore-missing', 'SHA256SUMS'], { cwd: dir }).status).toBe(0);
    const verify = () =>
      spawnSync('openssl', ['dgst', '-sha256', '-verify', pubFile, '-signature', 'SHA256SUMS.sig', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' });
    if (has('openssl')) expect(verify().stdout).toContain('Verified OK');
    // A changed installer fails the sums; a changed list fails the signature.
    writeFileSync(join(dir, 'slr-desk_1.0.0_amd64.deb'), 'deb bytes, changed');
    if (has('sha256sum')) expect(spawnSync('sha256sum', ['-c', '--ignore-missing', 'SHA256SUMS'], { cwd: dir }).status).not.toBe(0);
    writeFileSync(
      join(dir, 'SHA256SUMS'),
      sums.replace(/^./, (c) => (c === '0' ? '1' : '0')),
    );
    if (has('openssl')) expect(verify().status).not.toBe(0);
  });

  it('says what is missing: no key (unsigned, exit 1), a key of another kind, no installer, no directory', () => {
    const { dir } = release();
    const unsigned = run('--dir', dir);
    expect([unsigned.status, existsSync(join(dir, 'SHA256SUMS')), existsSync(join(dir, 'SHA256SUMS.sig'))]).toEqual([1, true, false]);
    expect(unsigned.stderr).toMatch(/NOT signed/);
    const ed = `${dir}-ed25519.pem`;
    writeFileSync(ed, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const wrongKind = run('--dir', dir, '--key', ed);
    expect([wrongKind.status, wrongKind.stderr]).toEqual([2, expect.stringMatching(/not an ECDSA P-256 private key/)]);
    const empty = mkdtempSync(join(tmpdir(), 'slr-release-empty-'));
    expect(run('--dir', empty).stderr).toMatch(/no installer in/);
    expect(run('--dir', join(empty, 'nope')).stderr).toMatch(/cannot read/);
    expect(run().stderr).toMatch(/give --dir DIR/);
  });
});
