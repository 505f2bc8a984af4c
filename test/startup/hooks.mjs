// Loaded with `node --import` before out/main/main.js: maps `electron` to the working fake beside this file,
// and records every module the start-up loads and every file it reads (fake-electron.mjs reports both).
import { registerHooks, syncBuiltinESMExports } from 'node:module';
import fs from 'node:fs';

const FAKE = new URL('./fake-electron.mjs', import.meta.url).href;
const probe = (globalThis.__slrStartup = { modules: [], files: [] });
const started = performance.now();

registerHooks({
  resolve(specifier, context, next) {
    if (specifier === 'electron') return { url: FAKE, shortCircuit: true, format: 'module' };
    return next(specifier, context);
  },
  load(url, context, next) {
    if (url !== FAKE && performance.now() >= started) probe.modules.push(url);
    return next(url, context);
  },
});

for (const name of ['readFileSync', 'readFile', 'existsSync', 'statSync', 'readdirSync', 'openSync', 'lstatSync']) {
  const real = fs[name];
  fs[name] = function recorded(path, ...rest) {
    if (typeof path === 'string' || path instanceof URL) probe.files.push({ op: name, path: String(path) });
    return real.call(this, path, ...rest);
  };
}
syncBuiltinESMExports();
