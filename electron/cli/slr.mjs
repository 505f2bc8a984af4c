#!/usr/bin/env node
// The `slr` command. It runs the bundle `npm run build` makes (out/cli/slr.js: the device side in one file,
// the authority side in chunks loaded only by `slr authority …`), with Node's compile cache (in the OS
// temporary directory) keeping the compiled code between runs. Without a build, or with SLR_FROM_SOURCE=1
// (while changing the sources), it runs the TypeScript sources directly (Node >= 22.18 strips the types).
// An older Node is told so in one line.
import module from 'node:module';
import { existsSync } from 'node:fs';
import { tooOld } from './node-check.mjs';

const old = tooOld(process.versions.node);
if (old) {
  process.stderr.write(`${old}\n`);
  process.exit(2);
}
module.enableCompileCache?.();
const bundle = new URL('../../out/cli/slr.js', import.meta.url);
const fromSource = process.env.SLR_FROM_SOURCE === '1' || !existsSync(bundle);
const { main } = await import(fromSource ? './main.ts' : bundle.href);
process.exitCode = await main(process.argv.slice(2));
