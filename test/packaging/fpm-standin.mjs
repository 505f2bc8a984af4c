#!/usr/bin/env node
// A stand-in for fpm (which electron-builder downloads, and cannot here), given to electron-builder as
// CUSTOM_FPM_PATH by test/packaging.test.ts. It takes fpm's arguments as electron-builder writes them and
//   -t deb: assembles the package with Debian's own dpkg-deb: the files mapped `source=target`, and a control
//           file with the name, version, architecture, maintainer, dependencies, recommendations and
//           description given, the after-install and after-remove scripts as postinst and postrm;
//   any other -t: writes the arguments it was given, as JSON, where the package would be.
// What goes into the package (dependencies, desktop entry, icons, MIME types, scripts, AppArmor profile) is
// electron-builder's; only the archive format is Debian's tool instead of fpm's.
import { chmodSync, cpSync, mkdirSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';

const FLAGS = new Set(['--force', '--debug']);
const args = process.argv.slice(2);
const opts = {};
const many = { '-d': [], '--deb-recommends': [] };
const files = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (FLAGS.has(a)) continue;
  if (a.startsWith('-')) {
    const v = args[++i];
    if (a in many) many[a].push(v);
    else opts[a] = v;
  } else files.push(a);
}
const out = opts['--package'];
if (!out) {
  console.error('fpm stand-in: no --package');
  process.exit(2);
}
if (opts['-t'] !== 'deb') {
  writeFileSync(out, JSON.stringify({ args, options: opts, depends: many['-d'], files }, null, 1));
  process.exit(0);
}
const stage = mkdtempSync(join(tmpdir(), 'fpm-standin-'));
for (const f of files) {
  const at = f.indexOf('=');
  const [from, to] = [f.slice(0, at), f.slice(at + 1)];
  const target = join(stage, to);
  mkdirSync(statSync(from).isDirectory() ? target : dirname(target), { recursive: true });
  cpSync(from, target, { recursive: true, verbatimSymlinks: true });
}
mkdirSync(join(stage, 'DEBIAN'));
const [synopsis, ...rest] = (opts['--description'] ?? '').split('\n');
const control = [
  `Package: ${opts['--name']}`,
  `Version: ${opts['--version']}`,
  `Architecture: ${opts['--architecture']}`,
  `Maintainer: ${opts['--maintainer']}`,
  many['-d'].length ? `Depends: ${many['-d'].join(', ')}` : null,
  many['--deb-recommends'].length ? `Recommends: ${many['--deb-recommends'].join(', ')}` : null,
  `Priority: ${opts['--deb-priority'] ?? 'optional'}`,
  opts['--url'] ? `Homepage: ${opts['--url']}` : null,
  `Description: ${synopsis}`,
  ...rest.map((l) => (l.startsWith(' ') ? l : ` ${l}`)),
].filter((l) => l !== null);
writeFileSync(join(stage, 'DEBIAN', 'control'), `${control.join('\n')}\n`);
for (const [flag, name] of [
  ['--after-install', 'postinst'],
  ['--after-remove', 'postrm'],
]) {
  if (!opts[flag]) continue;
  writeFileSync(join(stage, 'DEBIAN', name), readFileSync(opts[flag]));
  chmodSync(join(stage, 'DEBIAN', name), 0o755);
}
execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, out], { stdio: ['ignore', 'ignore', 'inherit'] });
