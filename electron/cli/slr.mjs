#!/usr/bin/env node
// The `slr` command. Node >= 22.18 runs the TypeScript sources directly (type stripping); an older Node is
// told so in one line. Node's compile cache (in the OS temporary directory) keeps the compiled modules
// between runs, so later starts are faster.
import module from 'node:module';
import { tooOld } from './node-check.mjs';

const old = tooOld(process.versions.node);
if (old) {
  process.stderr.write(`${old}\n`);
  process.exit(2);
}
module.enableCompileCache?.();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
