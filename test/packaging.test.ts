// electron-builder cannot download Electron here: pack the app against a stub Electron distribution
// (`--linux dir -c.electronDist=…`), which still checks the configuration, the packed app.asar and the
// fuses electron-builder flips in the binary (the stub carries Electron's fuse wire, so they can be read back).
import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { listPackage } from '@electron/asar';
import { scaled } from './helpers/time-scale.ts';
import { CODE_FILE_TYPES } from '../shared/code-kinds.ts';
import { createRequire } from 'node:module';
import pngjs from 'pngjs';
import { ICON_SIZES, iconSet } from '../build/icons.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const FUSES = [
  'runAsNode',
  'enableCookieEncryption',
  'enableNodeOptionsEnvironmentVariable',
  'enableNodeCliInspectArguments',
  'enableEmbeddedAsarIntegrityValidation',
  'onlyLoadAppFromAsar',
  'loadBrowserProcessSpecificV8Snapshot',
  'grantFileProtocolExtraPrivileges',
];

function stubElectron(): string {
  const dir = mkdtempSync(join(tmpdir(), 'slr-stub-electron-'));
  mkdirSync(join(dir, 'resources'));
  // Electron's default fuse wire (version 1, 8 fuses): run-as-node, NODE_OPTIONS and inspect on.
  writeFileSync(join(dir, 'electron'), `#!/bin/sh\necho stub\n# ${SENTINEL}\x01\x0810110000\n`, 'latin1');
  chmodSync(join(dir, 'electron'), 0o755);
  writeFileSync(join(dir, 'version'), String(pkg.devDependencies.electron).replace(/^\^/, ''));
  writeFileSync(join(dir, 'LICENSE'), '');
  writeFileSync(join(dir, 'LICENSES.chromium.html'), '');
  return dir;
}

/** What a package's production dependencies pull in, from the lock file. */
function closure(names: readonly string[]): Set<string> {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dependencies?: Record<string, string> }> };
  const seen = new Set<string>();
  const visit = (n: string) => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const d of Object.keys(lock.packages[`node_modules/${n}`]?.dependencies ?? {})) visit(d);
  };
  names.forEach(visit);
  return seen;
}
/** What the app's main process imports (the rest of `dependencies` serves the CLI and the server). */
const APP_DEPENDENCIES = ['electron-store', 'fast-xml-parser', 'pdf-lib', 'proper-lockfile', 'qrcode', 'zod'];

let packed: string | undefined;
/**
 * Runs electron-builder once for the Linux packages against the stub Electron, with test/packaging/fpm-standin.mjs
 * as fpm (electron-builder downloads fpm, which cannot be done here): the .deb is assembled by dpkg-deb from
 * what electron-builder computed; the rpm is the list of fpm's arguments. Returns the output directory.
 */
function packOnce(): string {
  if (packed) return packed;
  expect(existsSync(join(root, 'out/main/main.js')), 'run npm run build first').toBe(true);
  const output = mkdtempSync(join(tmpdir(), 'slr-pack-'));
  const r = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules/electron-builder/cli.js'),
      '--linux',
      'deb',
      'rpm',
      '--publish',
      'never',
      `-c.electronDist=${stubElectron()}`,
      `-c.directories.output=${output}`,
    ],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false', CUSTOM_FPM_PATH: join(root, 'test/packaging/fpm-standin.mjs') },
      timeout: scaled(180_000),
    },
  );
  expect(r.status, r.stdout + r.stderr).toBe(0);
  return (packed = output);
}

describe('packaging', () => {
  it("keeps electron-builder's .deb dependencies and its AppArmor profile (an override would replace them)", () => {
    const fpm = readFileSync(join(root, 'node_modules/app-builder-lib/out/targets/FpmTarget.js'), 'utf8');
    const defaults = JSON.parse(/case "deb":\s*return (\[[^\]]*\])/.exec(fpm)![1]!) as string[];
    expect(defaults).toEqual(expect.arrayContaining(['libgtk-3-0', 'libnss3', 'libsecret-1-0', 'xdg-utils']));
    const depends: string[] = pkg.build.deb?.depends ?? defaults;
    expect(
      defaults.filter((d) => !depends.includes(d)),
      'a default dependency the .deb would lack',
    ).toEqual([]);
    // The profile that lets Chromium's sandbox use user namespaces on Ubuntu 24.04+: installed by the default scripts.
    expect(pkg.build.deb?.afterInstall ?? pkg.build.linux?.afterInstall).toBeUndefined();
    expect(pkg.build.linux?.appArmorProfile).toBeUndefined();
    expect(readFileSync(join(root, 'node_modules/app-builder-lib/templates/linux/after-install.tpl'), 'utf8')).toContain('/etc/apparmor.d/');
    expect(fpm).toContain('apparmor-profile');
  });

  it('associates the code files the app saves with it, one type per code, as shared/code-kinds.ts names them', () => {
    const wanted = Object.values(CODE_FILE_TYPES).map((t) => [t.ext, t.mime]);
    expect((pkg.build.fileAssociations as { ext: string; mimeType: string }[]).map((a) => [a.ext, a.mimeType])).toEqual(wanted);
  });

  it('gives the Linux desktop an icon at every size, each made from build/icon.png', async () => {
    // electron-builder's own icon resolution, as the deb, rpm and AppImage targets call it ('set' format).
    const { convertIcon } = createRequire(import.meta.url)('app-builder-lib/out/util/iconConverter.js') as {
      convertIcon(o: {
        sources: string[];
        fallbackSources: string[];
        roots: string[];
        format: string;
        outDir: string;
      }): Promise<{ icons: { file: string; size: number }[] }>;
    };
    const resolved = await convertIcon({
      sources: [pkg.build.linux.icon],
      fallbackSources: [],
      roots: [root],
      format: 'set',
      outDir: mkdtempSync(join(tmpdir(), 'slr-icons-')),
    });
    expect(resolved.icons.map((i) => i.size)).toEqual(ICON_SIZES);
    const made = new Map(iconSet().map((i) => [i.size, i.bytes]));
    for (const { file, size } of resolved.icons) {
      const png = pngjs.PNG.sync.read(readFileSync(file));
      expect([png.width, png.height]).toEqual([size, size]);
      expect(readFileSync(file).equals(made.get(size)!), `${file} is stale: run node build/icons.mjs`).toBe(true);
    }
    // The single 512 px file the other platforms convert themselves would have given Linux one size only.
    const single = await convertIcon({
      sources: ['build/icon.png'],
      fallbackSources: [],
      roots: [root],
      format: 'set',
      outDir: mkdtempSync(join(tmpdir(), 'slr-icons-')),
    });
    expect(single.icons.map((i) => i.size)).toEqual([512]);
  });

  it('names every server-only dependency to keep out of the app (the lock file is the list)', () => {
    const app = closure(APP_DEPENDENCIES);
    const serverOnly = [...closure(Object.keys(pkg.dependencies))].filter((n) => !app.has(n));
    const excluded = new Set(
      (pkg.build.files as string[]).filter((f) => f.startsWith('!node_modules/')).map((f) => f.slice('!node_modules/'.length, -'/**'.length)),
    );
    expect(serverOnly.filter((n) => !excluded.has(n))).toEqual([]);
    expect(
      [...excluded].filter((n) => app.has(n)),
      'an app dependency excluded',
    ).toEqual([]);
  });

  it('configures air-gapped installers: no publishing or auto-update, every platform, the hardening fuses', () => {
    const b = pkg.build;
    expect(b.appId).toBe('org.slrdesk.app');
    expect(b.productName).toBe('SLR Desk');
    expect(b.publish).toBeNull();
    expect(b.linux.target).toEqual(['AppImage', 'deb', 'rpm']);
    expect(b.win.target).toEqual(['nsis']);
    expect(b.mac.target).toEqual(['dmg']);
    expect(b.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
    expect(Object.keys(pkg.dependencies)).not.toContain('electron-updater');
  });

  it('packs only what the app needs into app.asar, and flips the fuses in the binary', { timeout: scaled(200_000) }, () => {
    const output = packOnce();
    const unpacked = join(output, 'linux-unpacked');
    const files = listPackage(join(unpacked, 'resources', 'app.asar'), { isPack: false }).map((f) => f.replace(/\\/g, '/'));
    for (const needed of [
      '/package.json',
      '/out/main/main.js',
      '/out/preload/preload.cjs',
      '/out/renderer/index.html',
      '/node_modules/conf/package.json',
      '/node_modules/electron-store/package.json',
      '/node_modules/fast-xml-parser/package.json',
      '/node_modules/zod/package.json',
      '/node_modules/qrcode/package.json',
    ]) {
      expect(files, needed).toContain(needed);
    }
    const app = closure(APP_DEPENDENCIES);
    const serverOnly = [...closure(Object.keys(pkg.dependencies))].filter((n) => !app.has(n));
    const packedModules = new Set(files.map((f) => /^\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1]).filter(Boolean));
    expect(
      serverOnly.filter((n) => packedModules.has(n)),
      'server-only modules in app.asar',
    ).toEqual([]);
    for (const n of app) expect(packedModules.has(n) || !existsSync(join(root, 'node_modules', n)), `${n} missing from app.asar`).toBe(true);
    const forbidden = files.filter(
      (f) =>
        /^\/(test|electron|shared|renderer|build|\.ci)\//.test(f) ||
        f.startsWith('/out/cli/') ||
        f.endsWith('.map') ||
        /^\/node_modules\/(vitest|vite|electron|electron-builder|react|react-dom|typescript|eslint|playwright-core|fast-check)\//.test(f),
    );
    expect(forbidden).toEqual([]);
    const binary = readFileSync(join(unpacked, 'slr-desk'));
    const at = binary.indexOf(SENTINEL) + SENTINEL.length;
    const wire = binary.subarray(at + 2, at + 2 + binary[at + 1]!).toString('latin1');
    const states = Object.fromEntries(FUSES.map((f, i) => [f, wire[i] === '1']));
    expect(states).toEqual(pkg.build.electronFuses);
  });

  it(
    "builds a .deb a stock desktop can install and launch: control file, desktop entry, icons, MIME types, AppArmor profile; the rpm's dependencies",
    { timeout: scaled(200_000) },
    () => {
      const output = packOnce();
      const deb = join(output, `slr-desk_${pkg.version}_amd64.deb`);
      const field = (name: string) => spawnSync('dpkg-deb', ['-f', deb, name], { encoding: 'utf8' }).stdout.trim();
      expect(field('Package')).toBe('slr-desk');
      const depends = field('Depends').split(/,\s*/);
      // electron-builder's default list, which an override in "deb.depends" would replace with nothing.
      for (const d of ['libgtk-3-0', 'libnotify4', 'libnss3', 'libxss1', 'libxtst6', 'xdg-utils', 'libatspi2.0-0', 'libuuid1', 'libsecret-1-0'])
        expect(depends, d).toContain(d);
      const tree = mkdtempSync(join(tmpdir(), 'slr-deb-'));
      expect(spawnSync('dpkg-deb', ['-x', deb, tree]).status).toBe(0);
      expect(spawnSync('dpkg-deb', ['-e', deb, join(tree, 'DEBIAN')]).status).toBe(0);

      const entry = readFileSync(join(tree, 'usr/share/applications/slr-desk.desktop'), 'utf8');
      expect(entry).toContain('Exec="/opt/SLR Desk/slr-desk" %U');
      expect(entry).toContain('Icon=slr-desk');
      // The window and the entry are one on the desktop: Electron's app_id / WM_CLASS comes from desktopName.
      expect(entry).toContain(`StartupWMClass=${String(pkg.desktopName).replace(/\.desktop$/, '')}`);
      const mimeLine = /^MimeType=(.*)$/m.exec(entry)?.[1]?.split(';').filter(Boolean);
      expect(mimeLine?.sort()).toEqual(
        Object.values(CODE_FILE_TYPES)
          .map((t) => t.mime)
          .sort(),
      );
      const mime = readFileSync(join(tree, 'usr/share/mime/packages/slr-desk.xml'), 'utf8');
      for (const t of Object.values(CODE_FILE_TYPES)) expect(mime).toContain(`<glob pattern="*.${t.ext}"/>`);
      for (const size of ICON_SIZES) {
        const icon = pngjs.PNG.sync.read(readFileSync(join(tree, `usr/share/icons/hicolor/${size}x${size}/apps/slr-desk.png`)));
        expect([icon.width, icon.height]).toEqual([size, size]);
      }
      // Ubuntu 24.04 and later: the profile that lets Chromium's sandbox use user namespaces, installed by postinst.
      expect(readFileSync(join(tree, 'opt/SLR Desk/resources/apparmor-profile'), 'utf8')).toMatch(
        /profile "slr-desk" "\/opt\/SLR Desk\/slr-desk"[^{]*\{\s*userns,/,
      );
      expect(readFileSync(join(tree, 'DEBIAN/postinst'), 'utf8')).toContain("APPARMOR_PROFILE_TARGET='/etc/apparmor.d/slr-desk'");
      expect(existsSync(join(tree, 'opt/SLR Desk/resources/app.asar'))).toBe(true);

      const rpm = JSON.parse(readFileSync(join(output, `slr-desk-${pkg.version}.x86_64.rpm`), 'utf8')) as { depends: string[]; files: string[] };
      for (const d of ['gtk3', 'libnotify', 'nss', 'libXScrnSaver', 'xdg-utils', 'at-spi2-core']) expect(rpm.depends, d).toContain(d);
      expect(rpm.files.filter((f) => f.includes('/usr/share/icons/hicolor/'))).toHaveLength(ICON_SIZES.length);
      expect(rpm.files.some((f) => f.endsWith('=/usr/share/applications/slr-desk.desktop'))).toBe(true);
    },
  );
});
