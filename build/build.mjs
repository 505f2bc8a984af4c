// Builds the app into out/: the renderer (Vite + React), the main process (ES module) and the preload
// (CommonJS: a sandboxed preload cannot be an ES module). npm dependencies of the main process stay
// external (electron-builder packs them); our own TypeScript (electron/, shared/) is bundled.
import { build } from 'vite';
import react from '@vitejs/plugin-react';
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { META_CSP } from '../electron/main/csp.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const external = ['electron', ...builtinModules, ...builtinModules.map((m) => `node:${m}`), ...Object.keys(pkg.dependencies ?? {})];
const only = process.argv[2];
const SERVER_PACKAGES = ['fastify', '@fastify/rate-limit', 'pg', 'node-forge'];
const quiet = { logLevel: 'warn' };
/** Writes the one CSP (electron/main/csp.ts) into the page's <meta>. */
const csp = { name: 'slr-csp', transformIndexHtml: { order: 'pre', handler: (html) => html.replace('%SLR_CSP%', META_CSP) } };

if (!only || only === 'renderer') {
  await build({
    ...quiet,
    configFile: false,
    root: `${root}renderer`,
    base: './',
    plugins: [react(), csp],
    build: { outDir: `${root}out/renderer`, emptyOutDir: true, sourcemap: false, target: 'chrome130', assetsInlineLimit: 0 },
  });
}
if (!only || only === 'electron') {
  await build({
    ...quiet,
    configFile: false,
    root,
    build: {
      outDir: `${root}out/main`,
      emptyOutDir: true,
      target: 'node22',
      sourcemap: false,
      minify: false,
      lib: { entry: `${root}electron/main/main.ts`, formats: ['es'], fileName: () => 'main.js' },
      rollupOptions: { external: (id) => external.some((e) => id === e || id.startsWith(`${e}/`)) },
    },
  });
  await build({
    ...quiet,
    configFile: false,
    root,
    build: {
      outDir: `${root}out/preload`,
      emptyOutDir: true,
      target: 'chrome130',
      sourcemap: false,
      minify: false,
      lib: { entry: `${root}electron/preload/preload.ts`, formats: ['cjs'], fileName: () => 'preload.cjs' },
      rollupOptions: { external: ['electron'] },
    },
  });
}
if (!only || only === 'electron' || only === 'cli') {
  // The CLI, bundled for a fast start: the device side in one file, the authority side (the ledger, its
  // keys) in a chunk loaded only by `slr authority …`; npm dependencies bundled too (resolving a package is
  // a large part of a start), except those the CLI loads lazily where it uses them.
  await build({
    ...quiet,
    configFile: false,
    root,
    // An SSR build resolves packages as Node does (their "node" exports, not the browser ones).
    ssr: { noExternal: true, target: 'node' },
    build: {
      outDir: `${root}out/cli`,
      emptyOutDir: true,
      target: 'node22',
      sourcemap: false,
      minify: true,
      ssr: true,
      rollupOptions: {
        input: { slr: `${root}electron/cli/main.ts` },
        // The server's packages (HTTP framework, PostgreSQL driver, X.509) stay external: only `slr authority
        // serve`, `migrate` and a PostgreSQL ledger load them, from node_modules, when they run.
        external: (id) => ['electron', ...builtinModules, ...SERVER_PACKAGES].some((e) => id === e || id === `node:${e}` || id.startsWith(`${e}/`)),
        output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name].js' },
      },
    },
    plugins: [moduleManifest()],
  });
}

/**
 * Writes `modules.json` beside a bundle: each chunk's size and the source modules in it (paths from the
 * repository's root; npm packages by name), so a test can check which side's code a chunk carries and the
 * bench can state the sizes.
 */
function moduleManifest() {
  const name = (id) => {
    const i = id.lastIndexOf('/node_modules/');
    if (i >= 0)
      return `npm:${id
        .slice(i + 14)
        .split('/')
        .slice(0, id.slice(i + 14).startsWith('@') ? 2 : 1)
        .join('/')}`;
    return id.startsWith(root) ? id.slice(root.length) : id;
  };
  return {
    name: 'slr-module-manifest',
    generateBundle(_options, bundle) {
      const chunks = {};
      for (const [file, chunk] of Object.entries(bundle)) {
        if (chunk.type !== 'chunk') continue;
        chunks[file] = { bytes: Buffer.byteLength(chunk.code), modules: [...new Set(Object.keys(chunk.modules).map(name))].sort() };
      }
      this.emitFile({ type: 'asset', fileName: 'modules.json', source: `${JSON.stringify(chunks, null, 1)}\n` });
    },
  };
}
